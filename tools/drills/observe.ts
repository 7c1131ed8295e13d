// What the drill looks at afterwards: the services' tables, moto (straight, not through the
// proxy, so nothing is throttled or hidden), the audit stream and the dead-letter topics.
import {
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { AssignerProtocol, type Kafka } from 'kafkajs';
import { ALL_TOPICS, deadLetterTopic, Topics } from '@ami/contracts';
import { DLQ_HEADERS } from '@ami/messaging';
import { POISON_HEADER } from './chaos.js';
import type {
  AuditEntry,
  DeadLetterSeen,
  MotoImage,
  MotoInstance,
  MotoSnapshot,
  Observed,
} from './invariants.js';
import type { JourneyRecord } from './journey.js';
import type { Platform } from './platform.js';

const FAMILY_TAG = 'ami-factory:family';
const SOURCE_IMAGE_TAG = 'ami-factory:source-image-id';

export type Offsets = Record<string, Array<{ partition: number; offset: string }>>;

/** The topics whose messages the drill reads back at the end. */
export function observedTopics(): string[] {
  return [Topics.Audit, ...ALL_TOPICS.map(deadLetterTopic)];
}

/** Where each partition of the topics ends now: the drill reads only what comes after. */
export async function endOffsets(kafka: Kafka, topics: string[]): Promise<Offsets> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out: Offsets = {};
    for (const topic of topics)
      out[topic] = (await admin.fetchTopicOffsets(topic)).map((p) => ({
        partition: p.partition,
        offset: p.high,
      }));
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** The topics each of the drill's consumer groups is subscribed to, as the broker knows them. */
export async function groupSubscriptions(
  kafka: Kafka,
  groups: string[],
): Promise<Record<string, string[]>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await admin.describeGroups(groups);
    const byTopic: Record<string, string[]> = {};
    for (const group of described.groups) {
      const topics = new Set<string>();
      for (const member of group.members) {
        const meta = AssignerProtocol.MemberMetadata.decode(member.memberMetadata);
        for (const t of meta?.topics ?? []) topics.add(t);
      }
      for (const t of topics) (byTopic[t] ??= []).push(group.groupId);
    }
    return byTopic;
  } finally {
    await admin.disconnect();
  }
}

/** Reads the topics from the given offsets to where they end now. */
async function readSince(
  kafka: Kafka,
  since: Offsets,
  keep: (topic: string, headers: Record<string, string>, value: string) => void,
): Promise<void> {
  const topics = Object.keys(since);
  const ends = await endOffsets(kafka, topics);
  const remaining = new Set<string>();
  for (const topic of topics)
    for (const end of ends[topic]) {
      const start = since[topic].find((p) => p.partition === end.partition)?.offset ?? '0';
      if (BigInt(end.offset) > BigInt(start)) remaining.add(`${topic}/${end.partition}`);
    }
  if (remaining.size === 0) return;
  const consumer = kafka.consumer({ groupId: `ami-ops-drill-reader-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    const finished = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const start = since[topic].find((p) => p.partition === partition)?.offset ?? '0';
          const end = ends[topic].find((p) => p.partition === partition)!.offset;
          const offset = BigInt(message.offset);
          if (offset < BigInt(start) || offset >= BigInt(end)) return;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {}))
            if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
          keep(topic, headers, message.value?.toString('utf8') ?? '');
          if (offset === BigInt(end) - 1n) {
            remaining.delete(`${topic}/${partition}`);
            if (remaining.size === 0) resolve();
          }
        },
      });
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const topic of topics)
        for (const p of since[topic])
          consumer.seek({ topic, partition: p.partition, offset: p.offset });
    });
    const timeout = new Promise<void>((_, reject) =>
      setTimeout(
        () =>
          reject(
            new Error(
              `reading ${topics.length} topics: ${remaining.size} partitions not read to their end`,
            ),
          ),
        90_000,
      ).unref(),
    );
    await Promise.race([finished, timeout]);
  } finally {
    await consumer.disconnect();
  }
}

export async function readAuditAndDeadLetters(
  kafka: Kafka,
  since: Offsets,
  families: string[],
  runGroups: string[],
): Promise<{ audit: AuditEntry[]; deadLetters: DeadLetterSeen[] }> {
  const audit: AuditEntry[] = [];
  const deadLetters: DeadLetterSeen[] = [];
  const wanted = new Set(families);
  const groups = new Set(runGroups);
  await readSince(kafka, since, (topic, headers, value) => {
    if (topic === Topics.Audit) {
      try {
        const event = JSON.parse(value);
        if (wanted.has(event?.data?.subject?.family))
          audit.push({
            id: event.id,
            action: event.data.action,
            subject: event.data.subject,
            after: event.data.after,
          });
      } catch {
        // not ours to judge here
      }
      return;
    }
    const group = headers[DLQ_HEADERS.group];
    if (!groups.has(group)) return;
    deadLetters.push({
      marker: headers[POISON_HEADER],
      topic: headers[DLQ_HEADERS.topic] ?? topic.replace(/\.dlq$/, ''),
      group,
      kind: headers[DLQ_HEADERS.kind] ?? '?',
      reason: headers[DLQ_HEADERS.reason] ?? '',
    });
  });
  return { audit, deadLetters };
}

function ec2(region: string): EC2Client {
  return new EC2Client({
    endpoint: process.env.MOTO_URL ?? `http://127.0.0.1:${process.env.MOTO_PORT ?? 5010}`,
    region,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'testing',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
    },
  });
}

/**
 * The drill's families in moto, every region: images (with their snapshots and launch
 * permissions), instances, and snapshots: those tagged for a family, and those the services'
 * tables ever named (a snapshot left behind by a deregistered image shows up that way).
 */
export async function observeMoto(
  regions: string[],
  families: string[],
  knownSnapshotIds: Set<string>,
): Promise<{ images: MotoImage[]; instances: MotoInstance[]; snapshots: MotoSnapshot[] }> {
  const images: MotoImage[] = [];
  const instances: MotoInstance[] = [];
  const snapshots: MotoSnapshot[] = [];
  const filters = [{ Name: `tag:${FAMILY_TAG}`, Values: families }];
  for (const region of regions) {
    const client = ec2(region);
    try {
      const described = await client.send(
        new DescribeImagesCommand({ Owners: ['self'], Filters: filters, IncludeDeprecated: true }),
      );
      for (const image of described.Images ?? []) {
        const tag = (k: string) => image.Tags?.find((t) => t.Key === k)?.Value;
        const attr = await client.send(
          new DescribeImageAttributeCommand({
            ImageId: image.ImageId!,
            Attribute: 'launchPermission',
          }),
        );
        images.push({
          imageId: image.ImageId!,
          region,
          state: image.State ?? '?',
          family: tag(FAMILY_TAG) ?? '?',
          sourceImageId: tag(SOURCE_IMAGE_TAG),
          snapshotIds: (image.BlockDeviceMappings ?? [])
            .map((m) => m.Ebs?.SnapshotId)
            .filter((s): s is string => !!s),
          launchAccounts: (attr.LaunchPermissions ?? [])
            .map((p) => p.UserId)
            .filter((u): u is string => !!u),
        });
      }
      const reservations = await client.send(new DescribeInstancesCommand({ Filters: filters }));
      for (const r of reservations.Reservations ?? [])
        for (const i of r.Instances ?? [])
          instances.push({
            instanceId: i.InstanceId!,
            region,
            state: i.State?.Name ?? '?',
            family: i.Tags?.find((t) => t.Key === FAMILY_TAG)?.Value ?? '?',
          });
      const seen = new Set<string>();
      const tagged = await client.send(
        new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: filters }),
      );
      for (const s of tagged.Snapshots ?? []) seen.add(s.SnapshotId!);
      const all = await client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
      for (const s of all.Snapshots ?? [])
        if (knownSnapshotIds.has(s.SnapshotId!)) seen.add(s.SnapshotId!);
      for (const snapshotId of seen) snapshots.push({ snapshotId, region });
    } finally {
      client.destroy();
    }
  }
  return { images, instances, snapshots };
}

/** The services' tables, for the drill's families. */
export async function observeTables(platform: Platform, families: string[]) {
  const q = <T>(sql: string) => platform.query<T>(sql, [families]);
  const rebuildRows = await q<any>(
    'SELECT event_id, family, outcome, build_id FROM builder.rebuild_requests WHERE family = ANY($1)',
  );
  const builds = await q<any>(
    `SELECT id, family, state, request_id, idempotency_key, version, image_id, snapshot_ids
       FROM builder.builds WHERE family = ANY($1)`,
  );
  const copyJobs = await q<any>(
    `SELECT id, family, version, region, account, state, source_image_id, image_id, snapshot_ids
       FROM replicator.copy_jobs WHERE family = ANY($1)`,
  );
  const shares = await q<any>(
    `SELECT family, version, region, account, image_id, request_generation, applied_generation, last_error
       FROM permissions.copies WHERE family = ANY($1)`,
  );
  const channels = await q<any>(
    'SELECT family, name, version FROM catalog.channels WHERE family = ANY($1)',
  );
  const assignments = await q<any>(
    'SELECT family, channel, version, movement FROM catalog.channel_assignments WHERE family = ANY($1)',
  );
  const catalogCopies = await q<any>(
    'SELECT family, version, region, image_id, state, snapshot_ids FROM catalog.regional_copies WHERE family = ANY($1)',
  );
  const knownSnapshotIds = new Set<string>([
    ...builds.flatMap((b: any) => b.snapshot_ids ?? []),
    ...copyJobs.flatMap((c: any) => c.snapshot_ids ?? []),
    ...catalogCopies.flatMap((c: any) => c.snapshot_ids ?? []),
  ]);
  return {
    knownSnapshotIds,
    tables: {
      rebuildRows: rebuildRows.map((r: any) => ({
        eventId: r.event_id,
        family: r.family,
        outcome: r.outcome,
        buildId: r.build_id,
      })),
      builds: builds.map((b: any) => ({
        id: b.id,
        family: b.family,
        state: b.state,
        requestId: b.request_id,
        idempotencyKey: b.idempotency_key,
        version: b.version,
        imageId: b.image_id,
      })),
      copyJobs: copyJobs.map((c: any) => ({
        id: c.id,
        family: c.family,
        version: c.version,
        region: c.region,
        account: c.account,
        state: c.state,
        sourceImageId: c.source_image_id,
        imageId: c.image_id,
      })),
      shares: shares.map((s: any) => ({
        family: s.family,
        version: s.version,
        region: s.region,
        account: s.account,
        imageId: s.image_id,
        requestGeneration: Number(s.request_generation),
        appliedGeneration: Number(s.applied_generation),
        lastError: s.last_error,
      })),
      channels,
      assignments,
      catalogCopies: catalogCopies.map((c: any) => ({
        family: c.family,
        version: c.version,
        region: c.region,
        imageId: c.image_id,
        state: c.state,
        snapshotIds: c.snapshot_ids ?? [],
      })),
    },
  };
}

/** Nothing still moving: every request decided, build and copy finished, share applied, outbox drained. */
export async function quiescent(
  platform: Platform,
  families: string[],
): Promise<string | undefined> {
  const [row] = await platform.query<Record<string, string>>(
    `SELECT
       (SELECT count(*) FROM builder.rebuild_requests WHERE family = ANY($1) AND outcome NOT IN ('build-started', 'duplicate', 'rejected')) AS requests,
       (SELECT count(*) FROM builder.builds WHERE family = ANY($1) AND state IN ('queued', 'running')) AS builds,
       (SELECT count(*) FROM replicator.copy_jobs WHERE family = ANY($1) AND state IN ('queued', 'starting', 'copying')) AS copies,
       (SELECT count(*) FROM permissions.copies WHERE family = ANY($1) AND applied_generation < request_generation) AS shares,
       (SELECT count(*) FROM catalog.outbox WHERE published_at IS NULL AND set_aside_at IS NULL AND message_key = ANY($1))
         + (SELECT count(*) FROM builder.outbox WHERE published_at IS NULL AND set_aside_at IS NULL AND message_key = ANY($1))
         + (SELECT count(*) FROM replicator.outbox WHERE published_at IS NULL AND set_aside_at IS NULL AND message_key = ANY($1))
         + (SELECT count(*) FROM permissions.outbox WHERE published_at IS NULL AND set_aside_at IS NULL AND message_key = ANY($1))
         + (SELECT count(*) FROM maintenance_scanner.outbox WHERE published_at IS NULL AND set_aside_at IS NULL AND message_key = ANY($1)) AS outbox`,
    [families],
    10_000,
  );
  const busy = Object.entries(row).filter(([, n]) => Number(n) > 0);
  return busy.length ? busy.map(([k, n]) => `${k} ${n}`).join(', ') : undefined;
}

export function assemble(
  journey: JourneyRecord,
  tables: Awaited<ReturnType<typeof observeTables>>['tables'],
  moto: Awaited<ReturnType<typeof observeMoto>>,
  bus: { audit: AuditEntry[]; deadLetters: DeadLetterSeen[] },
  poison: Observed['poisonSent'],
  groupsByTopic: Record<string, string[]>,
): Observed {
  return {
    families: journey.families,
    regions: journey.regions,
    sharingAccounts: journey.sharingAccounts,
    requests: journey.requests,
    promotes: journey.promotes,
    ...tables,
    motoImages: moto.images,
    motoInstances: moto.instances,
    motoSnapshots: moto.snapshots,
    audit: bus.audit,
    deadLetters: bus.deadLetters,
    poisonSent: poison,
    groupsByTopic,
  };
}
