// The journey a drill puts the platform through, as its users would: family specs applied on
// the catalog, rebuilds asked for on the catalog's API and straight on ami.rebuild-requests.v1
// (as CI does), and, once a version is built, copied, and shared, a promotion to prod.
import { randomUUID } from 'node:crypto';
import { REBUILD_REQUESTED, Topics } from '@ami/contracts';
import type { AcceptedRequest, PromoteRequest } from './invariants.js';
import type { Platform } from './platform.js';

const AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface JourneyOptions {
  runId: string;
  families: number;
  regions: string[];
  sharingAccounts: string[];
  /** Builds per family at least: the first asked normally, the later ones forced. */
  minRounds: number;
  /** More rounds are started until then (while faults are still being injected). */
  continueUntil: number;
  deadlineAt: number;
}

export interface JourneyRecord {
  families: string[];
  regions: Record<string, string[]>;
  sharingAccounts: Record<string, string[]>;
  requests: AcceptedRequest[];
  promotes: PromoteRequest[];
  errors: string[];
}

/** A failure waiting will not cure. */
class Fatal extends Error {}

export function familyNames(runId: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `drill-${runId}-f${i}`);
}

export class Journey {
  readonly record: JourneyRecord;

  constructor(
    private readonly platform: Platform,
    private readonly options: JourneyOptions,
    private readonly log: (line: string) => void,
  ) {
    const families = familyNames(options.runId, options.families);
    this.record = {
      families,
      regions: Object.fromEntries(families.map((f) => [f, options.regions])),
      sharingAccounts: Object.fromEntries(families.map((f) => [f, options.sharingAccounts])),
      requests: [],
      promotes: [],
      errors: [],
    };
  }

  async run(): Promise<void> {
    await Promise.all(
      this.record.families.map((family, i) =>
        this.family(family, i).catch((error: Error) => {
          this.record.errors.push(`${family}: ${error.message}`);
          this.log(`journey of ${family} stopped: ${error.message}`);
        }),
      ),
    );
  }

  private remaining(): number {
    return Math.max(1000, this.options.deadlineAt - Date.now());
  }

  private async family(family: string, index: number): Promise<void> {
    const applied = await this.platform.call(
      'catalog',
      'POST',
      '/v1/specs',
      {
        name: family,
        owner: 'drill',
        description: 'a fault drill family',
        source: { ssmParameter: AL2023 },
        build: {
          region: this.options.regions[0],
          customisation: { steps: [{ name: 'hello', run: 'echo drill' }] },
        },
        distribution: { regions: this.options.regions },
        sharing: { accounts: this.options.sharingAccounts },
      },
      this.remaining(),
    );
    if (applied.status !== 201 && applied.status !== 200)
      throw new Error(`spec refused: ${applied.status} ${JSON.stringify(applied.body)}`);
    this.log(`${family}: spec applied`);

    for (
      let round = 1;
      round <= this.options.minRounds || Date.now() < this.options.continueUntil;
      round++
    ) {
      const key = `${family}-r${round}`;
      const force = round > 1;
      // Even families ask the catalog first, odd ones write to the bus first; each then asks
      // again the other way with the same key, which must not build twice.
      const order: Array<'catalog' | 'kafka'> =
        (index + round) % 2 === 0 ? ['catalog', 'kafka'] : ['kafka', 'catalog'];
      for (const via of order) await this.requestRebuild(family, key, force, via);
      const version = await this.waitBuilt(family, key);
      this.log(`${family}: round ${round} built ${version}`);
      await this.waitDistributed(family, version);
      this.log(`${family}: ${version} available and shared in ${this.options.regions.join(', ')}`);
      await this.promote(family, version);
      this.log(`${family}: ${version} promoted to prod`);
    }
  }

  private async requestRebuild(
    family: string,
    idempotencyKey: string,
    force: boolean,
    via: 'catalog' | 'kafka',
  ): Promise<void> {
    const reason = `fault drill ${this.options.runId}`;
    if (via === 'catalog') {
      const res = await this.platform.call(
        'catalog',
        'POST',
        `/v1/families/${family}/rebuilds`,
        { reason, idempotencyKey, force },
        this.remaining(),
      );
      if (res.status !== 202)
        throw new Error(`rebuild refused: ${res.status} ${JSON.stringify(res.body)}`);
      this.record.requests.push({ requestId: res.body.requestId, family, idempotencyKey, via });
      return;
    }
    const id = randomUUID();
    const event = {
      specversion: '1.0',
      id,
      source: '/ci/drill',
      type: REBUILD_REQUESTED,
      subject: family,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { family, reason, requestedBy: 'drill-ci', idempotencyKey, force },
    };
    await this.platform.send('ami-producer', Topics.RebuildRequests, [
      { key: family, value: JSON.stringify(event) },
    ]);
    this.record.requests.push({ requestId: id, family, idempotencyKey, via });
  }

  /** Polls until the probe answers; a probe's Fatal ends the wait, any other error is retried. */
  private async waitFor<T>(what: () => string, probe: () => Promise<T | undefined>): Promise<T> {
    for (;;) {
      const value = await probe().catch((error: Error) => {
        if (error instanceof Fatal) throw error;
        return undefined;
      });
      if (value !== undefined) return value;
      if (Date.now() > this.options.deadlineAt) throw new Error(`timed out waiting for ${what()}`);
      await sleep(1000);
    }
  }

  /** The build the key's requests came to, succeeded: its version. */
  private async waitBuilt(family: string, key: string): Promise<string> {
    let seen = 'no build yet';
    return this.waitFor(
      () => `the build of ${key} (${seen})`,
      async () => {
        const rows = await this.platform.query<{
          state: string;
          version: string | null;
          failure_reason: string | null;
        }>(
          'SELECT state, version, failure_reason FROM builder.builds WHERE family = $1 AND idempotency_key = $2',
          [family, key],
          5000,
        );
        seen = rows.map((r) => r.state).join(',') || 'no build yet';
        const failed = rows.find((r) => ['failed', 'rejected', 'cancelled'].includes(r.state));
        if (failed) throw new Fatal(`build of ${key} ${failed.state}: ${failed.failure_reason}`);
        const done = rows.find((r) => r.state === 'succeeded' && r.version);
        return done?.version ?? undefined;
      },
    );
  }

  /** In the catalog, available in every region, and each copy's launch permissions applied. */
  private async waitDistributed(family: string, version: string): Promise<void> {
    const regions = this.options.regions;
    let seen = 'nothing yet';
    await this.waitFor(
      () => `${family} ${version} in ${regions.join(', ')} (${seen})`,
      async () => {
        const copies = await this.platform.query<{
          region: string;
          state: string;
          image_id: string;
        }>(
          'SELECT region, state, image_id FROM catalog.regional_copies WHERE family = $1 AND version = $2',
          [family, version],
          5000,
        );
        seen = copies.map((c) => `${c.region} ${c.state}`).join(', ') || 'no copies';
        const available = copies.filter(
          (c) => c.state === 'available' && regions.includes(c.region),
        );
        if (available.length < regions.length) return undefined;
        const shares = await this.platform.query<{ image_id: string }>(
          `SELECT image_id FROM permissions.copies
          WHERE family = $1 AND version = $2 AND applied_generation >= request_generation`,
          [family, version],
          5000,
        );
        const shared = new Set(shares.map((s) => s.image_id));
        seen = `${shared.size} of ${available.length} copies shared`;
        return available.every((c) => shared.has(c.image_id)) ? true : undefined;
      },
    );
  }

  private async promote(family: string, version: string): Promise<void> {
    let seen = 'not asked yet';
    await this.waitFor(
      () => `promotion of ${family} ${version} (${seen})`,
      async () => {
        const res = await this.platform.call(
          'catalog',
          'POST',
          `/v1/families/${family}/channels/prod/promote`,
          { version, reason: `fault drill ${this.options.runId}` },
          this.remaining(),
        );
        if (res.status === 200) return true;
        // Not yet in every region as the catalog sees it: wait and ask again.
        seen = `${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
        if (res.status === 409) return undefined;
        throw new Fatal(`promotion refused: ${res.status} ${JSON.stringify(res.body)}`);
      },
    );
    this.record.promotes.push({ family, channel: 'prod', version });
  }
}
