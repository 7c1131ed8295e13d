import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { ALL_TOPICS, REBUILD_REQUESTED, Topics } from '@ami/contracts';
import { createKafka, ensureTopics, EventPublisher, OutboxRelay } from '@ami/messaging';
import {
  collect,
  eventually,
  scratchSchema,
  ScratchSchema,
  testKafkaConnection,
  testKafka,
  uniqueName,
} from '@ami/testing';
import { startEffectConsumer } from './effect-consumer.js';

const fixture = fileURLToPath(new URL('./fixtures/relay-process.mjs', import.meta.url));
const silent = pino({ level: 'silent' });

async function enqueue(db: ScratchSchema, runId: string, count: number, families: number) {
  const publisher = new EventPublisher(db.schema, '/ami/test');
  for (let start = 0; start < count; start += 200) {
    await db.dataSource.transaction(async (tx) => {
      for (let i = start; i < Math.min(count, start + 200); i++) {
        const family = `${runId}-f${i % families}`;
        await publisher.publish(
          tx,
          REBUILD_REQUESTED,
          { family, reason: String(i), requestedBy: runId },
          { key: family },
        );
      }
    });
  }
}

function sequencesPerFamily(values: Array<{ family: string; seq: number }>) {
  const byFamily = new Map<string, number[]>();
  for (const v of values) byFamily.set(v.family, [...(byFamily.get(v.family) ?? []), v.seq]);
  return byFamily;
}

describe('outbox relay (real PostgreSQL and Kafka)', () => {
  let db: ScratchSchema;
  beforeAll(async () => {
    await ensureTopics(testKafka(), ALL_TOPICS, { partitions: 6, replicationFactor: 1 });
  });
  beforeEach(async () => {
    db = await scratchSchema('outbox');
  });
  afterEach(async () => {
    await db.drop();
  });

  it('delivers every event after being killed mid-stream and restarted; each effect applied once', async () => {
    const runId = uniqueName('kill');
    const total = 1500;
    await enqueue(db, runId, total, 7);
    const collector = await collect(testKafka(), [Topics.RebuildRequests]);
    const consumer = await startEffectConsumer(db, runId);

    const child = spawn(
      process.execPath,
      [
        fixture,
        db.schema,
        JSON.stringify(db.connection),
        JSON.stringify(testKafkaConnection('relay-fixture')),
        '50',
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let published = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString().matchAll(/published (\d+)/g)) published += Number(m[1]);
    });
    await eventually(() => published >= 300, 30_000, 'the relay process to publish a few batches');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const { rows } = await db.dataSource
      .query(`SELECT count(*)::int AS n FROM "${db.schema}".outbox WHERE published_at IS NULL`)
      .then((r) => ({ rows: r }));
    expect(rows[0].n).toBeGreaterThan(0); // it really died with work left

    const relay = new OutboxRelay({
      schema: db.schema,
      database: db.connection,
      kafka: createKafka(testKafkaConnection('relay-2')),
      logger: silent,
      batchSize: 50,
      pollIntervalMs: 50,
    });
    relay.start();
    const mine = () =>
      collector.messages
        .map((m) => JSON.parse(m.message.value!.toString()))
        .filter((e) => e.data.requestedBy === runId);
    await eventually(
      () => new Set(mine().map((e) => e.id)).size === total,
      60_000,
      `all ${total} events on Kafka`,
    );
    await relay.stop();
    await collector.stop();

    const events = mine();
    expect(new Set(events.map((e) => e.id)).size).toBe(total);
    // First deliveries of each family arrive in the order they were written.
    const seen = new Set<string>();
    const firsts = events.filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)));
    for (const [, seqs] of sequencesPerFamily(
      firsts.map((e) => ({ family: e.data.family, seq: Number(e.data.reason) })),
    )) {
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    const unpublished = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM "${db.schema}".outbox WHERE published_at IS NULL`,
    );
    expect(unpublished[0].n).toBe(0);

    await eventually(
      async () => (await consumer.effects()).length === total,
      60_000,
      `all ${total} effects applied`,
    );
    await consumer.close();
    const effects = await consumer.effects();
    expect(effects.filter((e) => e.applied !== 1)).toEqual([]);
  });

  it('lets only one of two replicas relay, so families stay in order', async () => {
    const runId = uniqueName('pair');
    const total = 600;
    const collector = await collect(testKafka(), [Topics.RebuildRequests]);
    const make = (id: string) =>
      new OutboxRelay({
        schema: db.schema,
        database: db.connection,
        kafka: createKafka(testKafkaConnection(id)),
        logger: silent,
        batchSize: 25,
        pollIntervalMs: 20,
        standbyIntervalMs: 100,
      });
    const [a, b] = [make('relay-a'), make('relay-b')];
    a.start();
    b.start();
    await enqueue(db, runId, total, 5);
    const mine = () =>
      collector.messages
        .map((m) => JSON.parse(m.message.value!.toString()))
        .filter((e) => e.data.requestedBy === runId);
    await eventually(() => mine().length >= total, 60_000, `all ${total} events on Kafka`);
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
    await Promise.all([a.stop(), b.stop()]);
    await collector.stop();
    const events = mine();
    expect(events).toHaveLength(total); // no double publishing
    for (const [, seqs] of sequencesPerFamily(
      events.map((e) => ({ family: e.data.family, seq: Number(e.data.reason) })),
    )) {
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });
});
