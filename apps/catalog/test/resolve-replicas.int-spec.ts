import type { Client } from 'pg';
import { mintToken } from '@ami/auth';
import { BUILD_SUCCEEDED, createEnvelope, EventCatalog } from '@ami/contracts';
import {
  adminClient,
  eventually,
  LOCAL_AUTH_SECRET,
  ServiceProcess,
  startServiceProcess,
  testKafka,
  uniqueName,
  waitReady,
  sourceFor,
} from '@ami/testing';
import { amiId, baseSpec, buildSucceeded } from './fixtures.js';

const SECRET = process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET;
/** Short heartbeat so that a silent LISTEN connection is noticed within the test's patience. */
const HEARTBEAT = { RESOLVE_LISTEN_HEARTBEAT_MS: '300', RESOLVE_LISTEN_TIMEOUT_MS: '300' };

interface Replica {
  process: ServiceProcess;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  resolve(family: string, region?: string): Promise<{ status: number; body: any }>;
}

function replica(process: ServiceProcess, token: string): Replica {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${process.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    process,
    call,
    resolve: (family, region = 'us-east-1') =>
      call('GET', `/v1/families/${family}/resolve?channel=prod&region=${region}`),
  };
}

/** The listening backends the catalog replicas hold open for resolve invalidation. */
async function listenBackends(db: Client): Promise<number[]> {
  const rows = await db.query(
    `SELECT pid FROM pg_stat_activity WHERE usename = 'catalog' AND application_name LIKE 'catalog-resolve-invalidation%'`,
  );
  return rows.rows.map((r) => Number(r.pid));
}

/**
 * Two catalog processes share one database, as replicas do: a change made through one must be
 * what the other answers, however the change and the other's cache fill interleave.
 */
describe('resolve across two catalog replicas (real PostgreSQL, Kafka; processes)', () => {
  let a: Replica;
  let b: Replica;
  let db: Client;
  let bListenPid: number;
  const producer = testKafka('catalog-replicas-test').producer();

  beforeAll(async () => {
    db = await adminClient();
    await producer.connect();
    const token = await mintToken({
      subject: 'replica-test',
      roles: ['admin'],
      secret: SECRET,
      expiresIn: 3600,
    });
    // B first, so that its listening backend is the only one when we note it.
    const bProcess = await startServiceProcess('catalog', HEARTBEAT);
    b = replica(bProcess, token);
    await waitReady(bProcess);
    await eventually(async () => (await listenBackends(db)).length === 1, 20_000, 'B to LISTEN');
    [bListenPid] = await listenBackends(db);
    const aProcess = await startServiceProcess('catalog', HEARTBEAT);
    a = replica(aProcess, token);
    await waitReady(aProcess);
  });
  afterAll(async () => {
    await Promise.all([a?.process.stop(), b?.process.stop()]);
    await producer.disconnect();
    await db?.end();
  });

  /** A family with two versions available in us-east-1 and prod on the first. */
  async function twoVersions(prefix: string) {
    const family = uniqueName(prefix);
    expect((await a.call('POST', '/v1/specs', baseSpec(family))).status).toBe(201);
    const images = { v1: amiId(), v2: amiId() };
    for (const [version, imageId] of [
      ['2026.11.27-1', images.v1],
      ['2026.11.27-2', images.v2],
    ]) {
      const event = createEnvelope(BUILD_SUCCEEDED, buildSucceeded(family, version, { imageId }), {
        source: sourceFor(BUILD_SUCCEEDED),
      });
      await producer.send({
        topic: EventCatalog[BUILD_SUCCEEDED].topic,
        messages: [{ key: family, value: JSON.stringify(event) }],
      });
    }
    await eventually(
      async () =>
        (await a.call('GET', `/v1/families/${family}/versions/2026.11.27-2`)).status === 200,
      30_000,
      `${family}'s versions`,
    );
    await promote(a, family, '2026.11.27-1');
    return { family, images };
  }

  async function promote(on: Replica, family: string, version: string) {
    const res = await on.call('POST', `/v1/families/${family}/channels/prod/promote`, {
      version,
      force: true,
    });
    expect(res.status).toBe(200);
  }

  async function servesWithin(on: Replica, family: string, imageId: string, ms: number) {
    await eventually(
      async () => (await on.resolve(family)).body?.imageId === imageId,
      ms,
      `${on.process.url} to serve ${imageId} for ${family}`,
    );
  }

  it('a promote on one replica is served by the other, and the propagation time is measured', async () => {
    const { family, images } = await twoVersions('prop');
    // B answers from its cache before each move: what we time is invalidation, not a cold read.
    const fromAck: number[] = [];
    const fromRequest: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [version, imageId] =
        i % 2 === 0 ? ['2026.11.27-2', images.v2] : ['2026.11.27-1', images.v1];
      const before = i % 2 === 0 ? images.v1 : images.v2;
      await servesWithin(b, family, before, 5_000);
      expect((await b.resolve(family)).body.imageId).toBe(before);
      const sent = performance.now();
      await promote(a, family, version);
      const acked = performance.now();
      while ((await b.resolve(family)).body.imageId !== imageId) {
        if (performance.now() - acked > 5_000) throw new Error(`B still serves ${before}`);
      }
      const seen = performance.now();
      fromAck.push(seen - acked);
      fromRequest.push(seen - sent);
    }
    const stats = (xs: number[]) => {
      const s = [...xs].sort((x, y) => x - y);
      const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(1);
      return `p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`;
    };
    console.log(
      `[resolve propagation A -> B over ${fromAck.length} promotes] after A's 200: ${stats(fromAck)}; from A's request: ${stats(fromRequest)}`,
    );
    expect(Math.max(...fromAck)).toBeLessThan(2_000);
  });

  it('a change committed while a miss is being read is not stored as the answer', async () => {
    const { family, images } = await twoVersions('race');
    const lock = await adminClient();
    try {
      // Hold the copies table so B's miss stops part-way through its read.
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE catalog.regional_copies IN ACCESS EXCLUSIVE MODE');
      const pending = b.resolve(family);
      await eventually(
        async () =>
          (
            await db.query(
              `SELECT 1 FROM pg_stat_activity WHERE usename = 'catalog' AND wait_event_type = 'Lock' AND query LIKE '%regional_copies%'`,
            )
          ).rowCount! >= 1,
        10_000,
        "B's miss to wait for the copies table",
      );
      // The move commits and is notified while B's read is in flight. (The same statements a
      // promote commits; a promote itself would wait for the table too.)
      const invalidationsBefore = await invalidations(b);
      await db.query('BEGIN');
      await db.query(
        `UPDATE catalog.channels SET version = '2026.11.27-2', updated_at = now() WHERE family = $1 AND name = 'prod'`,
        [family],
      );
      await db.query(`SELECT pg_notify('catalog_resolve_changed', $1)`, [family]);
      await db.query('COMMIT');
      await eventually(
        async () => (await invalidations(b)) > invalidationsBefore,
        10_000,
        'B to take the notification',
      );
      await lock.query('COMMIT');
      await pending;
    } finally {
      await lock.query('ROLLBACK').catch(() => undefined);
      await lock.end();
    }
    await servesWithin(b, family, images.v2, 5_000);
  });

  it('a LISTEN connection that goes silent is replaced and the cache flushed', async () => {
    const { family, images } = await twoVersions('silent');
    await servesWithin(b, family, images.v1, 5_000);
    expect((await b.resolve(family)).body.imageId).toBe(images.v1);
    // The backend stops answering without closing its socket, as across a network partition.
    process.kill(bListenPid, 'SIGSTOP');
    try {
      await promote(a, family, '2026.11.27-2');
      await servesWithin(b, family, images.v2, 10_000);
    } finally {
      process.kill(bListenPid, 'SIGCONT');
      await db.query('SELECT pg_terminate_backend($1)', [bListenPid]);
    }
    // And the replacement connection carries notifications again.
    await promote(a, family, '2026.11.27-1');
    await servesWithin(b, family, images.v1, 5_000);
  });
});

/** B's count of invalidation notifications taken (0 if it has none yet). */
async function invalidations(r: Replica): Promise<number> {
  const text = await (await fetch(`${r.process.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('ami_catalog_resolve_invalidations_total'));
  return line ? Number(line.split(' ').pop()) : 0;
}
