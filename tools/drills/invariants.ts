// What must hold after a drill, evaluated over what was observed (the services' tables, moto,
// the audit stream, the dead-letter topics). Pure: every function takes plain data and says
// PASS or FAIL with the counts behind it, so the checks themselves are unit-tested.

export interface AcceptedRequest {
  /** The ami.rebuild-requests.v1 event id (the catalog answers it; the drill sets it on Kafka). */
  requestId: string;
  family: string;
  idempotencyKey?: string;
  via: 'catalog' | 'kafka';
}

export interface RebuildRow {
  eventId: string;
  family: string;
  outcome: string | null;
  buildId: string | null;
}

export interface BuildRow {
  id: string;
  family: string;
  state: string;
  requestId: string;
  idempotencyKey: string | null;
  version: string | null;
  imageId: string | null;
}

export interface CopyJobRow {
  id: string;
  family: string;
  version: string;
  region: string;
  account: string | null;
  state: string;
  sourceImageId: string;
  imageId: string | null;
}

export interface ShareRow {
  family: string;
  version: string;
  region: string;
  account: string;
  imageId: string;
  requestGeneration: number;
  appliedGeneration: number;
  lastError: string | null;
}

export interface PromoteRequest {
  family: string;
  channel: string;
  version: string;
}

export interface ChannelRow {
  family: string;
  name: string;
  version: string;
}

export interface AssignmentRow {
  family: string;
  channel: string;
  version: string;
  movement: string;
}

export interface CatalogCopyRow {
  family: string;
  version: string;
  region: string;
  imageId: string | null;
  state: string;
  snapshotIds: string[];
}

export interface MotoImage {
  imageId: string;
  region: string;
  state: string;
  family: string;
  sourceImageId?: string;
  snapshotIds: string[];
  launchAccounts: string[];
}

export interface MotoInstance {
  instanceId: string;
  region: string;
  state: string;
  family: string;
}

export interface MotoSnapshot {
  snapshotId: string;
  region: string;
}

export interface AuditEntry {
  id: string;
  action: string;
  subject: { family: string; version?: string; region?: string; imageId?: string };
  after: Record<string, unknown> | null;
}

export interface PoisonSent {
  marker: string;
  topic: string;
  what: 'malformed-json' | 'invalid-payload';
}

export interface DeadLetterSeen {
  /** The poison marker header, absent on a dead letter of a real event. */
  marker?: string;
  topic: string;
  group: string;
  kind: string;
  reason: string;
}

export interface Observed {
  families: string[];
  regions: Record<string, string[]>;
  sharingAccounts: Record<string, string[]>;
  requests: AcceptedRequest[];
  rebuildRows: RebuildRow[];
  builds: BuildRow[];
  copyJobs: CopyJobRow[];
  shares: ShareRow[];
  promotes: PromoteRequest[];
  channels: ChannelRow[];
  assignments: AssignmentRow[];
  catalogCopies: CatalogCopyRow[];
  motoImages: MotoImage[];
  motoInstances: MotoInstance[];
  motoSnapshots: MotoSnapshot[];
  audit: AuditEntry[];
  poisonSent: PoisonSent[];
  /** The drill's consumer groups by topic they read (from the broker's group metadata). */
  groupsByTopic: Record<string, string[]>;
  deadLetters: DeadLetterSeen[];
}

export interface InvariantResult {
  name: string;
  pass: boolean;
  detail: string;
  /** What failed, a few examples. */
  problems: string[];
}

const FINAL_BUILD_STATES = ['succeeded', 'failed', 'rejected', 'skipped', 'cancelled'];
const FINAL_REQUEST_OUTCOMES = ['build-started', 'duplicate', 'rejected'];
const FINAL_COPY_STATES = ['succeeded', 'failed', 'cancelled'];
const LIVE_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function tally(items: string[]): string {
  const counts = countBy(items, (s) => s);
  return [...counts.entries()]
    .sort()
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

function result(name: string, problems: string[], detail: string): InvariantResult {
  return { name, pass: problems.length === 0, detail, problems };
}

/** Every accepted rebuild request was received once and came to one outcome; one build per idempotency key. */
export function requestsReachedOneOutcome(o: Observed): InvariantResult {
  const problems: string[] = [];
  const rows = countBy(o.rebuildRows, (r) => r.eventId);
  for (const request of o.requests) {
    const n = rows.get(request.requestId) ?? 0;
    if (n !== 1) problems.push(`request ${request.requestId} (${request.via}) received ${n} times`);
    // The drill's requests name families whose specs it applied first: none may be refused.
    const refused = o.rebuildRows.find(
      (r) => r.eventId === request.requestId && r.outcome === 'rejected',
    );
    if (refused)
      problems.push(
        `request ${request.requestId} (${request.via}) of ${request.family} was rejected`,
      );
  }
  for (const row of o.rebuildRows) {
    if (!FINAL_REQUEST_OUTCOMES.includes(row.outcome ?? ''))
      problems.push(
        `request ${row.eventId} of ${row.family} ends ${row.outcome ?? 'without outcome'}`,
      );
    else if (row.outcome !== 'rejected' && !o.builds.some((b) => b.id === row.buildId))
      problems.push(`request ${row.eventId} names build ${row.buildId}, which does not exist`);
  }
  const keyed = o.requests.filter((r) => r.idempotencyKey);
  for (const key of new Set(keyed.map((r) => `${r.family}/${r.idempotencyKey}`))) {
    const [family, idempotencyKey] = key.split('/');
    const builds = o.builds.filter(
      (b) => b.family === family && b.idempotencyKey === idempotencyKey,
    );
    if (builds.length !== 1) problems.push(`idempotency key ${key} has ${builds.length} builds`);
  }
  return result(
    'every accepted rebuild request reached exactly one outcome',
    problems,
    `${o.requests.length} accepted (${o.requests.filter((r) => r.via === 'kafka').length} on Kafka), ${o.rebuildRows.length} received: ${tally(o.rebuildRows.map((r) => r.outcome ?? 'none'))}`,
  );
}

export function buildsFinal(o: Observed): InvariantResult {
  const problems = o.builds
    .filter((b) => !FINAL_BUILD_STATES.includes(b.state))
    .map((b) => `build ${b.id} of ${b.family} is ${b.state}`);
  for (const [version, n] of countBy(
    o.builds.filter((b) => b.state === 'succeeded' && b.version),
    (b) => `${b.family} ${b.version}`,
  ))
    if (n > 1) problems.push(`version ${version} built ${n} times`);
  return result(
    'every build reached one final state',
    problems,
    `${o.builds.length} builds: ${tally(o.builds.map((b) => b.state)) || 'none'}`,
  );
}

export function copiesFinal(o: Observed): InvariantResult {
  const problems = o.copyJobs
    .filter((c) => !FINAL_COPY_STATES.includes(c.state))
    .map((c) => `copy ${c.id} (${c.family} ${c.version} ${c.region}) is ${c.state}`);
  const live = o.copyJobs.filter((c) => c.state !== 'cancelled');
  for (const [key, n] of countBy(
    live,
    (c) => `${c.family} ${c.version} ${c.region} ${c.account ?? 'own'}`,
  ))
    if (n > 1) problems.push(`${n} copy jobs for ${key}`);
  return result(
    'every copy reached one final state, one per version, region and account',
    problems,
    `${o.copyJobs.length} copy jobs: ${tally(o.copyJobs.map((c) => c.state)) || 'none'}`,
  );
}

export function sharesApplied(o: Observed): InvariantResult {
  const problems: string[] = [];
  for (const s of o.shares)
    if (s.appliedGeneration < s.requestGeneration)
      problems.push(
        `${s.family} ${s.version} ${s.region}: generation ${s.appliedGeneration} of ${s.requestGeneration} applied${s.lastError ? ` (${s.lastError})` : ''}`,
      );
  const available = o.catalogCopies.filter((c) => c.state === 'available' && c.imageId);
  for (const c of available) {
    const n = o.shares.filter((s) => s.imageId === c.imageId).length;
    if (n !== 1)
      problems.push(
        `copy ${c.imageId} (${c.family} ${c.version} ${c.region}) has ${n} share records`,
      );
  }
  return result(
    "every copy's launch permissions applied, once per copy",
    problems,
    `${o.shares.length} shared copies, ${o.shares.filter((s) => s.appliedGeneration >= s.requestGeneration).length} applied`,
  );
}

export function promotesApplied(o: Observed): InvariantResult {
  const problems: string[] = [];
  for (const p of o.promotes) {
    const n = o.assignments.filter(
      (a) =>
        a.family === p.family &&
        a.channel === p.channel &&
        a.version === p.version &&
        a.movement === 'promote',
    ).length;
    if (n !== 1)
      problems.push(`promotion of ${p.family} ${p.version} to ${p.channel} recorded ${n} times`);
  }
  const last = new Map<string, string>();
  for (const p of o.promotes) last.set(`${p.family}/${p.channel}`, p.version);
  for (const [key, version] of last) {
    const [family, name] = key.split('/');
    const channel = o.channels.find((c) => c.family === family && c.name === name);
    if (channel?.version !== version)
      problems.push(`${family} ${name} is at ${channel?.version ?? 'nothing'}, not ${version}`);
  }
  return result(
    'every accepted promotion moved its channel exactly once',
    problems,
    `${o.promotes.length} promotions, ${o.assignments.filter((a) => a.movement === 'promote').length} channel moves`,
  );
}

/** The journey itself: each family built, available in every region, shared, and promoted. */
export function journeyCompleted(o: Observed): InvariantResult {
  const problems: string[] = [];
  for (const family of o.families) {
    const prod = o.channels.find((c) => c.family === family && c.name === 'prod');
    if (!prod) {
      problems.push(`${family}: never promoted to prod`);
      continue;
    }
    for (const region of o.regions[family] ?? []) {
      const copy = o.catalogCopies.find(
        (c) => c.family === family && c.version === prod.version && c.region === region,
      );
      if (copy?.state !== 'available')
        problems.push(`${family} ${prod.version} in ${region}: ${copy?.state ?? 'no copy'}`);
    }
  }
  return result(
    'every family built, copied to every region, shared and promoted',
    problems,
    `${o.families.length} families, ${o.families.filter((f) => o.channels.some((c) => c.family === f && c.name === 'prod')).length} promoted to prod`,
  );
}

export function motoMatchesCatalog(o: Observed): InvariantResult {
  const problems: string[] = [];
  const inCatalog = o.catalogCopies.filter((c) => c.imageId && c.state === 'available');
  const catalogIds = new Set(inCatalog.map((c) => c.imageId!));
  const motoLive = o.motoImages.filter((i) => i.state !== 'deregistered');
  const motoIds = new Set(motoLive.map((i) => i.imageId));
  for (const c of inCatalog) {
    const image = motoLive.find((i) => i.imageId === c.imageId);
    if (!image) {
      problems.push(`catalog's ${c.family} ${c.version} ${c.region} ${c.imageId} is not in moto`);
      continue;
    }
    const want = [...c.snapshotIds].sort().join(',');
    const have = [...image.snapshotIds].sort().join(',');
    if (want !== have)
      problems.push(`${c.imageId}: catalog says snapshots [${want}], moto has [${have}]`);
  }
  for (const image of motoLive)
    if (!catalogIds.has(image.imageId))
      problems.push(
        `moto's ${image.imageId} (${image.family}, ${image.region}, ${image.state}) is not in the catalog`,
      );
  return result(
    'moto holds exactly the images and snapshots the catalog says',
    problems,
    `catalog ${catalogIds.size} images, moto ${motoIds.size} images with ${motoLive.reduce((n, i) => n + i.snapshotIds.length, 0)} snapshots`,
  );
}

export function launchPermissionsMatch(o: Observed): InvariantResult {
  const problems: string[] = [];
  const inCatalog = o.catalogCopies.filter((c) => c.imageId && c.state === 'available');
  for (const c of inCatalog) {
    const image = o.motoImages.find((i) => i.imageId === c.imageId);
    if (!image) continue;
    const want = [...(o.sharingAccounts[c.family] ?? [])].sort().join(',');
    const have = [...image.launchAccounts].sort().join(',');
    if (want !== have)
      problems.push(
        `${c.imageId} (${c.family} ${c.region}): shared with [${have}], spec says [${want}]`,
      );
  }
  return result(
    'moto holds exactly the launch permissions the specs say',
    problems,
    `${inCatalog.length} images checked, ${o.motoImages.reduce((n, i) => n + i.launchAccounts.length, 0)} launch permissions`,
  );
}

export function noLeakedInstances(o: Observed): InvariantResult {
  const live = o.motoInstances.filter((i) => LIVE_INSTANCE_STATES.includes(i.state));
  return result(
    'no leaked instances',
    live.map((i) => `${i.instanceId} (${i.family}, ${i.region}) is ${i.state}`),
    `${o.motoInstances.length} instances launched, ${live.length} not terminated`,
  );
}

export function noDuplicateCopies(o: Observed): InvariantResult {
  const copies = o.motoImages.filter((i) => i.sourceImageId && i.state !== 'deregistered');
  const problems: string[] = [];
  for (const [key, n] of countBy(copies, (i) => `${i.sourceImageId} -> ${i.region}`))
    if (n > 1) problems.push(`${n} copies of ${key}`);
  return result(
    'no duplicate copies (per source image and region)',
    problems,
    `${copies.length} copies in moto`,
  );
}

export function noOrphanSnapshots(o: Observed): InvariantResult {
  const referenced = new Set(
    o.motoImages.filter((i) => i.state !== 'deregistered').flatMap((i) => i.snapshotIds),
  );
  const orphans = o.motoSnapshots.filter((s) => !referenced.has(s.snapshotId));
  return result(
    'no orphan snapshots',
    orphans.map((s) => `${s.snapshotId} (${s.region}) belongs to no image`),
    `${o.motoSnapshots.length} snapshots, ${orphans.length} orphaned`,
  );
}

export function auditNoDuplicates(o: Observed): InvariantResult {
  // The outbox relay delivers at least once: a batch sent just before PostgreSQL went away is
  // sent again once it is back (consumers drop the copy by its id). A copy is the same event;
  // one id carrying two different entries would be two changes under one name.
  const problems: string[] = [];
  const byId = new Map<string, string[]>();
  for (const a of o.audit) byId.set(a.id, [...(byId.get(a.id) ?? []), JSON.stringify(a)]);
  let redelivered = 0;
  for (const [id, copies] of byId) {
    redelivered += copies.length - 1;
    if (new Set(copies).size > 1)
      problems.push(`audit event id ${id} names ${new Set(copies).size} different entries`);
  }
  return result(
    'the audit stream names each change by one event id',
    problems,
    `${o.audit.length} audit events of the drill's families, ${byId.size} distinct` +
      (redelivered ? `, ${redelivered} identical redeliveries (at-least-once relay)` : ''),
  );
}

/** The changes the drill caused, each on the audit stream exactly once. */
export function auditHasEveryChange(o: Observed): InvariantResult {
  const problems: string[] = [];
  const expected: Array<{ what: string; match: (a: AuditEntry) => boolean; once: boolean }> = [];
  for (const family of o.families)
    expected.push({
      what: `family-spec.applied ${family}`,
      match: (a) => a.action === 'family-spec.applied' && a.subject.family === family,
      once: false,
    });
  for (const r of o.rebuildRows)
    expected.push({
      what: `rebuild.received ${r.eventId}`,
      match: (a) => a.action === 'rebuild.received' && a.after?.requestId === r.eventId,
      once: true,
    });
  for (const b of o.builds.filter((b) => b.state === 'succeeded'))
    expected.push({
      what: `build.succeeded ${b.family} ${b.version}`,
      match: (a) =>
        a.action === 'build.succeeded' &&
        a.subject.family === b.family &&
        a.subject.version === b.version,
      once: true,
    });
  for (const c of o.copyJobs.filter((c) => c.state === 'succeeded'))
    expected.push({
      what: `copy.succeeded ${c.family} ${c.version} ${c.region}`,
      match: (a) =>
        a.action === 'copy.succeeded' &&
        a.subject.family === c.family &&
        a.subject.version === c.version &&
        a.subject.region === c.region,
      once: true,
    });
  for (const s of o.shares.filter((s) => s.appliedGeneration > 0))
    expected.push({
      what: `launch-permissions.applied ${s.family} ${s.version} ${s.region}`,
      match: (a) =>
        a.action === 'launch-permissions.applied' &&
        a.subject.family === s.family &&
        a.subject.version === s.version &&
        a.subject.region === s.region,
      once: false,
    });
  for (const p of o.assignments.filter((a) => a.movement === 'promote'))
    expected.push({
      what: `channel.promoted ${p.family} ${p.channel} ${p.version}`,
      match: (a) =>
        a.action === 'channel.promoted' &&
        a.subject.family === p.family &&
        a.subject.version === p.version,
      once: true,
    });
  // Distinct events only: duplicate ids are the other invariant's business.
  const distinct = [...new Map(o.audit.map((a) => [a.id, a])).values()];
  let present = 0;
  for (const e of expected) {
    const n = distinct.filter(e.match).length;
    if (n === 0) problems.push(`missing: ${e.what}`);
    else if (e.once && n > 1) problems.push(`${n} times: ${e.what}`);
    else present++;
  }
  return result(
    'the audit stream has every change, once',
    problems,
    `${expected.length} expected changes, ${present} present as expected`,
  );
}

/** Each poison message dead-lettered once by every group that reads its topic; no real event dead-lettered. */
export function deadLettersArePoison(o: Observed): InvariantResult {
  const problems: string[] = [];
  let expected = 0;
  for (const p of o.poisonSent) {
    for (const group of o.groupsByTopic[p.topic] ?? []) {
      expected++;
      const n = o.deadLetters.filter((d) => d.marker === p.marker && d.group === group).length;
      if (n !== 1)
        problems.push(
          `poison ${p.marker} (${p.what} on ${p.topic}) dead-lettered ${n} times by ${group}`,
        );
    }
    if ((o.groupsByTopic[p.topic] ?? []).length === 0)
      problems.push(`poison ${p.marker} sent on ${p.topic}, which no drill group reads`);
  }
  const markers = new Set(o.poisonSent.map((p) => p.marker));
  for (const d of o.deadLetters)
    if (!d.marker || !markers.has(d.marker))
      problems.push(
        `${d.group} dead-lettered a real event from ${d.topic}: ${d.kind}: ${d.reason.slice(0, 200)}`,
      );
  return result(
    'the dead-letter topics hold exactly the poison messages sent',
    problems,
    `${o.poisonSent.length} poison messages on ${new Set(o.poisonSent.map((p) => p.topic)).size} topics, ${expected} dead letters expected, ${o.deadLetters.length} found`,
  );
}

export const INVARIANTS = [
  journeyCompleted,
  requestsReachedOneOutcome,
  buildsFinal,
  copiesFinal,
  sharesApplied,
  promotesApplied,
  motoMatchesCatalog,
  launchPermissionsMatch,
  noLeakedInstances,
  noDuplicateCopies,
  noOrphanSnapshots,
  auditNoDuplicates,
  auditHasEveryChange,
  deadLettersArePoison,
];

export function evaluate(o: Observed): InvariantResult[] {
  return INVARIANTS.map((check) => check(o));
}

/** The printed block: one line per invariant, then up to five problems under each failure. */
export function formatResults(results: InvariantResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.pass ? 'PASS' : 'FAIL'}  ${r.name}: ${r.detail}`);
    for (const p of r.problems.slice(0, 5)) lines.push(`        - ${p}`);
    if (r.problems.length > 5) lines.push(`        - … and ${r.problems.length - 5} more`);
  }
  const failed = results.filter((r) => !r.pass).length;
  lines.push(
    `${results.length - failed} of ${results.length} invariants hold${failed ? `; ${failed} FAILED` : ''}`,
  );
  return lines.join('\n');
}
