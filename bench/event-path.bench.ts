/**
 * Event path benchmark (npm run bench:events): throughput of the outbox relay + inbox consumer
 * against a bare kafkajs producer -> consumer loop on the same broker in the same run, and the
 * p99 latency from commit to consumer effect at a steady 1,000 events/s.
 * Prints figures and writes bench/results/event-path.json. Asserts nothing about time.
 * Uses ami.platform.probe on ami.platform.diagnostics.v1, which no service acts on.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import { ALL_TOPICS, PLATFORM_PROBE, Topics } from '@ami/contracts';
import {
  createKafka,
  ensureTopics,
  EventPublisher,
  KafkaEventServer,
  OutboxRelay,
} from '@ami/messaging';
import {
  eventually,
  scratchSchema,
  ScratchSchema,
  testKafkaConnection,
  testKafka,
  uniqueName,
} from '@ami/testing';

const N = Number(process.env.BENCH_EVENTS ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const silent = pino({ level: 'silent' });

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function bareKafka(topic: string, count: number): Promise<number> {
  const kafka = testKafka('bench-bare');
  await ensureTopics(kafka, [topic], { partitions: 6, replicationFactor: 1 });
  const consumer = kafka.consumer({ groupId: uniqueName('bench-bare') });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let received = 0;
  await consumer.run({ eachMessage: async () => void received++ });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const payload = JSON.stringify({
    probeId: 'bench',
    sentAt: new Date().toISOString(),
    note: 'x'.repeat(200),
  });
  const started = performance.now();
  for (let i = 0; i < count; i += 500) {
    const messages = Array.from({ length: Math.min(500, count - i) }, (_, j) => ({
      key: `f${(i + j) % 50}`,
      value: payload,
    }));
    await producer.send({ topic, acks: -1, messages });
  }
  await eventually(() => received >= count, 300_000, 'bare consumer to receive everything');
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  await consumer.disconnect();
  return count / seconds;
}

async function startInboxConsumer(db: ScratchSchema, runId: string, applied: Map<string, number>) {
  await db.dataSource.query(`CREATE TABLE "${db.schema}".effects (event_id text PRIMARY KEY)`);
  const groupId = uniqueName('bench-inbox');
  const server = new KafkaEventServer({
    kafka: createKafka(testKafkaConnection('bench-consumer')),
    groupId,
    dataSource: db.dataSource,
    schema: db.schema,
    logger: silent,
    retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 100 },
    maxMessageBytes: 900_000,
    // Called after the inbox transaction committed: the effect is durable from here.
    onOutcome: (_topic, outcome, eventId) => {
      if (outcome === 'processed' && eventId && mine.has(eventId))
        applied.set(eventId, performance.now());
    },
  });
  const mine = new Set<string>();
  server.addHandler(
    PLATFORM_PROBE,
    async (event: any, ctx: any) => {
      if (!event.data.probeId.startsWith(`${runId}/`)) return;
      await ctx.tx.query(`INSERT INTO "${db.schema}".effects (event_id) VALUES ($1)`, [event.id]);
      mine.add(event.id);
    },
    true,
  );
  // Start the new group at the topic's end: the bench measures its own events, not history.
  const admin = testKafka('bench-admin').admin();
  await admin.connect();
  await admin.resetOffsets({ groupId, topic: Topics.Diagnostics, earliest: false });
  await admin.disconnect();
  await new Promise<void>((resolve, reject) =>
    server.listen((e?: unknown) => (e ? reject(e) : resolve())),
  );
  return server;
}

/** The path under test: an inbox consumer, a publisher into the scratch outbox, and a running relay. */
async function startPath(db: ScratchSchema, runId: string, applied: Map<string, number>) {
  const server = await startInboxConsumer(db, runId, applied);
  const publisher = new EventPublisher(db.schema, '/ami/bench');
  const relay = new OutboxRelay({
    schema: db.schema,
    database: db.connection,
    kafka: createKafka(testKafkaConnection('bench-relay')),
    logger: silent,
    batchSize: 500,
    pollIntervalMs: 20,
  });
  relay.start();
  return { publisher, relay, server };
}

async function outboxThroughput(count: number): Promise<number> {
  const db = await scratchSchema('bench');
  const runId = uniqueName('bench');
  const applied = new Map<string, number>();
  const { publisher, relay, server } = await startPath(db, runId, applied);
  const started = performance.now();
  // Written as a producer of many events would: 500 per transaction, one statement each.
  for (let i = 0; i < count; i += 500) {
    await db.dataSource.transaction((tx) =>
      publisher.publishMany(
        tx,
        Array.from({ length: Math.min(500, count - i) }, (_, k) => {
          const family = `f${(i + k) % 50}`;
          return {
            type: PLATFORM_PROBE,
            data: {
              probeId: `${runId}/${i + k}`,
              sentAt: new Date().toISOString(),
              note: 'x'.repeat(200),
            },
            options: { key: family },
          };
        }),
      ),
    );
  }
  const writtenAt = performance.now();
  let relayedAt = 0;
  const watchRelay = (async () => {
    for (;;) {
      const [row] = await db.dataSource.query(
        `SELECT count(*)::int AS n FROM "${db.schema}".outbox WHERE published_at IS NULL`,
      );
      if (row.n === 0) return (relayedAt = performance.now());
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await eventually(() => applied.size >= count, 600_000, 'every outbox event applied');
  await watchRelay;
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `outbox: written in ${((writtenAt - started) / 1000).toFixed(2)} s; relay published all ${count} after ${((relayedAt - started) / 1000).toFixed(2)} s; consumer applied all after ${seconds.toFixed(2)} s`,
  );
  await relay.stop();
  await server.close();
  await db.drop();
  return count / seconds;
}

async function commitToEffectLatency(
  rate: number,
  seconds: number,
): Promise<{ p50: number; p99: number; max: number; count: number }> {
  const db = await scratchSchema('benchlat');
  const runId = uniqueName('lat');
  const applied = new Map<string, number>();
  const committed = new Map<string, number>();
  const { publisher, relay, server } = await startPath(db, runId, applied);
  const total = rate * seconds;
  const writers = 4;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = w; i < total; i += writers) {
        const due = begin + (i / rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const family = `f${i % 50}`;
        const event = await db.dataSource.transaction((tx) =>
          publisher.publish(
            tx,
            PLATFORM_PROBE,
            { probeId: `${runId}/${i}`, sentAt: new Date().toISOString() },
            { key: family },
          ),
        );
        committed.set(event.id, performance.now());
      }
    }),
  );
  await eventually(() => applied.size >= total, 120_000, 'every latency event applied');
  const latencies = [...committed.entries()].map(([id, t]) => applied.get(id)! - t);
  await relay.stop();
  await server.close();
  await db.drop();
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    count: latencies.length,
  };
}

describe('event path benchmark', () => {
  it(`measures ${N} events through the outbox and a bare kafkajs loop, and latency at ${RATE}/s`, async () => {
    await ensureTopics(testKafka(), ALL_TOPICS, { partitions: 6, replicationFactor: 1 });
    const bare = await bareKafka(uniqueName('bench.bare.v1'), N);
    const outbox = await outboxThroughput(N);
    const latency = await commitToEffectLatency(RATE, RATE_SECONDS);
    const result = {
      when: new Date().toISOString(),
      events: N,
      bareKafkaEventsPerSecond: Math.round(bare),
      outboxInboxEventsPerSecond: Math.round(outbox),
      ratio: Number((outbox / bare).toFixed(3)),
      latencyAtRate: { rate: RATE, seconds: RATE_SECONDS, ...latency },
      topic: Topics.Diagnostics,
    };
    console.log(JSON.stringify(result, null, 2));
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(
      new URL('./results/event-path.json', import.meta.url),
      JSON.stringify(result, null, 2),
    );
    expect(result.latencyAtRate.count).toBe(RATE * RATE_SECONDS); // every event arrived
  });
});
