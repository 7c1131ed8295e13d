/**
 * Event path benchmark (npm run bench:events): throughput of the outbox relay + inbox consumer
 * against a bare kafkajs producer -> consumer loop on the same broker in the same run, and the
 * p99 latency from commit to consumer effect at a steady 1,000 events/s.
 * Prints figures and writes bench/results/event-path.json. Asserts nothing about time.
 * Uses ami.platform.probe on ami.platform.diagnostics.v1, which no service acts on.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { ALL_TOPICS, PLATFORM_PROBE, Topics } from '@ami/contracts';
import { createKafka, ensureTopics, EventPublisher, OutboxRelay } from '@ami/messaging';
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
/** Events of the first seconds at rate are delivered and counted but not timed (warm-up). */
const RATE_WARMUP_SECONDS = Number(process.env.BENCH_RATE_WARMUP_SECONDS ?? 1);
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

/**
 * The transport's own latency, the baseline for commit -> effect: a bare kafkajs producer sending
 * one message at a time at `rate` per second (idempotent, acks from all replicas, as the relay
 * sends), and a bare consumer in the same process noting when each arrives.
 */
async function bareLatency(rate: number, seconds: number): Promise<{ p50: number; p99: number }> {
  const kafka = testKafka('bench-bare');
  const topic = uniqueName('bench.barelat.v1');
  await ensureTopics(kafka, [topic], { partitions: 6, replicationFactor: 1 });
  const consumer = kafka.consumer({ groupId: uniqueName('bench-barelat') });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => void (joined = true));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const at = sentAt.get(message.value!.toString());
      if (at !== undefined) latencies.push(now() - at);
    },
  });
  await eventually(() => joined, 60_000, 'the bare latency consumer to join');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const total = rate * seconds;
  const begin = now();
  for (let i = 0; i < total; i++) {
    const wait = begin + (i / rate) * 1000 - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const id = String(i);
    if (i >= rate * RATE_WARMUP_SECONDS) sentAt.set(id, now());
    await producer.send({ topic, acks: -1, messages: [{ key: `f${i % 50}`, value: id }] });
  }
  await eventually(
    () => latencies.length >= sentAt.size,
    60_000,
    'the bare latency consumer to receive everything',
  );
  await producer.disconnect();
  await consumer.disconnect();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/**
 * The consumer under test, in its own process as deployed (bench/event-consumer.mjs, from
 * dist/): the platform's KafkaEventServer applying this run's probes into <schema>.effects.
 * `applied` gets each event's apply time (epoch ms, the clock both processes share).
 */
async function startInboxConsumer(
  db: ScratchSchema,
  runId: string,
  applied: Applied,
  effect: Effect,
) {
  // No key: a duplicated effect would show as a second row (counted at the end), not an error.
  await db.dataSource.query(
    `CREATE TABLE IF NOT EXISTS "${db.schema}".effects (event_id text NOT NULL)`,
  );
  const groupId = uniqueName('bench-inbox');
  const profile = process.env.BENCH_CONSUMER_PROF === '1';
  const child = spawn(
    process.execPath,
    [
      ...(profile
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${fileURLToPath(new URL('./results/event-consumer-profile/', import.meta.url))}`,
          ]
        : []),
      fileURLToPath(new URL('./event-consumer.mjs', import.meta.url)),
      db.schema,
      groupId,
      runId,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_EFFECT: effect } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ready = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'ready') return void (ready = true);
    const space = line.indexOf(' ');
    const id = line.slice(0, space);
    // Applied twice (its effect run again after a commit): a duplicate, whatever the effect.
    if (applied.at.has(id)) applied.twice++;
    else applied.at.set(id, Number(line.slice(space + 1)));
  });
  await eventually(
    () => ready || child.exitCode !== null,
    120_000,
    'the consumer process to start',
  );
  if (!ready)
    throw new Error(`the consumer process exited (${child.exitCode}) before it was ready`);
  return {
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * What the consumer under test does with each event of the run, inside its inbox transaction:
 * `memory` only reports it once committed (as the bare loop counts a message), `row` also
 * inserts one row per event (a handler with one statement of its own).
 */
type Effect = 'memory' | 'row';

/** Each event's apply time (epoch ms), and how many were applied a second time. */
interface Applied {
  at: Map<string, number>;
  twice: number;
}
const newApplied = (): Applied => ({ at: new Map(), twice: 0 });

/**
 * Lost = expected - distinct applied; duplicated = effects run twice, as the consumer reported
 * them and, with the row effect, as rows stored twice.
 */
async function countEffects(db: ScratchSchema, expected: number, applied: Applied) {
  const [row] = await db.dataSource.query(
    `SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS distinct FROM "${db.schema}".effects`,
  );
  return {
    lost: expected - applied.at.size,
    duplicated: Math.max(applied.twice, row.rows - row.distinct),
  };
}

/** Epoch ms with fractions: the clock the consumer process stamps its effects with. */
const now = () => performance.timeOrigin + performance.now();

/** The path under test: an inbox consumer, a publisher into the scratch outbox, and a running relay. */
async function startPath(db: ScratchSchema, runId: string, applied: Applied, effect: Effect) {
  const server = await startInboxConsumer(db, runId, applied, effect);
  const publisher = new EventPublisher(db.schema, '/ami/bench');
  const relay = new OutboxRelay({
    schema: db.schema,
    database: db.connection,
    kafka: createKafka(testKafkaConnection('bench-relay')),
    logger: silent,
    // OUTBOX_BATCH_SIZE, as a service relays; its default unless BENCH_RELAY_BATCH says otherwise
    batchSize: process.env.BENCH_RELAY_BATCH ? Number(process.env.BENCH_RELAY_BATCH) : undefined,
    pollIntervalMs: 20,
  });
  relay.start();
  // Measured from a running path: the relay connected (its producer too) and leading.
  await eventually(() => relay.isLeader, 60_000, 'the relay to lead');
  return { publisher, relay, server };
}

/**
 * Throughput of the path itself: `count` events committed to the outbox at once (one
 * transaction, 500 rows a statement, as a producer of many events writes them), timed from that
 * commit until the consumer has applied the last. This is the bare loop's span (first send to
 * last receive) for the outbox: the relay publishes the committed rows, the inbox applies them.
 * Writing them is the producer's own transaction, timed and reported beside it.
 */
async function outboxThroughput(
  count: number,
  effect: Effect,
): Promise<{ perSecond: number; writeSeconds: number; lost: number; duplicated: number }> {
  const db = await scratchSchema('bench');
  const runId = uniqueName('bench');
  const applied = newApplied();
  const { publisher, relay, server } = await startPath(db, runId, applied, effect);
  const writing = now();
  await db.dataSource.transaction(async (tx) => {
    for (let i = 0; i < count; i += 500)
      await publisher.publishMany(
        tx,
        Array.from({ length: Math.min(500, count - i) }, (_, k) => ({
          type: PLATFORM_PROBE,
          data: {
            probeId: `${runId}/${i + k}`,
            sentAt: new Date().toISOString(),
            note: 'x'.repeat(200),
          },
          options: { key: `f${(i + k) % 50}` },
        })),
      );
  });
  const committed = now();
  let relayedAt = 0;
  const watchRelay = (async () => {
    for (;;) {
      const [row] = await db.dataSource.query(
        `SELECT count(*)::int AS n FROM "${db.schema}".outbox WHERE published_at IS NULL`,
      );
      if (row.n === 0) return (relayedAt = now());
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await eventually(() => applied.at.size >= count, 600_000, 'every outbox event applied');
  await watchRelay;
  const seconds = (Math.max(...applied.at.values()) - committed) / 1000;
  console.log(
    `outbox (${effect} effect): ${count} written and committed in ${((committed - writing) / 1000).toFixed(2)} s; relay published all after ${((relayedAt - committed) / 1000).toFixed(2)} s and the consumer applied all after ${seconds.toFixed(2)} s from the commit`,
  );
  await relay.stop();
  await server.close();
  const effects = await countEffects(db, count, applied);
  await db.drop();
  return { perSecond: count / seconds, writeSeconds: (committed - writing) / 1000, ...effects };
}

async function commitToEffectLatency(
  rate: number,
  seconds: number,
): Promise<{
  p50: number;
  p99: number;
  max: number;
  count: number;
  timed: number;
  warmupSeconds: number;
  p99IncludingWarmup: number;
  p99BySecond: Array<number | null>;
  lost: number;
  duplicated: number;
}> {
  const db = await scratchSchema('benchlat');
  const runId = uniqueName('lat');
  const applied = newApplied();
  const committed = new Map<string, number>();
  const { publisher, relay, server } = await startPath(db, runId, applied, 'memory');
  const total = rate * seconds;
  const writers = 4;
  const begin = now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = w; i < total; i += writers) {
        const due = begin + (i / rate) * 1000;
        const wait = due - now();
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
        committed.set(event.id, now());
      }
    }),
  );
  await eventually(() => applied.at.size >= total, 120_000, 'every latency event applied');
  const timed = [...committed.entries()].filter(([, t]) => t >= begin + RATE_WARMUP_SECONDS * 1000);
  const latencies = timed.map(([id, t]) => applied.at.get(id)! - t);
  const everything = [...committed.entries()].map(([id, t]) => applied.at.get(id)! - t);
  const perSecond = Array.from({ length: seconds }, (_, k) => {
    const of = [...committed.entries()]
      .filter(([, t]) => t >= begin + k * 1000 && t < begin + (k + 1) * 1000)
      .map(([id, t]) => applied.at.get(id)! - t);
    return of.length ? Math.round(percentile(of, 99)) : null;
  });
  await relay.stop();
  await server.close();
  const effects = await countEffects(db, total, applied);
  await db.drop();
  return {
    ...effects,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    timed: latencies.length,
    count: everything.length,
    warmupSeconds: RATE_WARMUP_SECONDS,
    p99IncludingWarmup: percentile(everything, 99),
    p99BySecond: perSecond,
  };
}

describe('event path benchmark', () => {
  it(`measures ${N} events through the outbox and a bare kafkajs loop, and latency at ${RATE}/s`, async () => {
    await ensureTopics(testKafka(), ALL_TOPICS, { partitions: 6, replicationFactor: 1 });
    const bare = await bareKafka(uniqueName('bench.bare.v1'), N);
    const outbox = await outboxThroughput(N, 'memory');
    const withRows = await outboxThroughput(N, 'row');
    const latency = await commitToEffectLatency(RATE, RATE_SECONDS);
    const transport = await bareLatency(RATE, RATE_SECONDS);
    const result = {
      when: new Date().toISOString(),
      events: N,
      consumer: 'its own process (bench/event-consumer.mjs), as deployed',
      measured:
        'from the commit of N outbox rows (one transaction) to the last applied in the inbox, against the bare loop from its first send to its last receive',
      bareKafkaEventsPerSecond: Math.round(bare),
      outboxInboxEventsPerSecond: Math.round(outbox.perSecond),
      ratio: Number((outbox.perSecond / bare).toFixed(3)),
      outboxWriteEventsPerSecond: Math.round(N / outbox.writeSeconds),
      throughputRun: { lost: outbox.lost, duplicated: outbox.duplicated },
      withRowEffect: {
        eventsPerSecond: Math.round(withRows.perSecond),
        ratio: Number((withRows.perSecond / bare).toFixed(3)),
        lost: withRows.lost,
        duplicated: withRows.duplicated,
      },
      latencyAtRate: { rate: RATE, seconds: RATE_SECONDS, ...latency },
      bareLatencyAtRate: { rate: RATE, seconds: RATE_SECONDS, ...transport },
      topic: Topics.Diagnostics,
    };
    console.log(JSON.stringify(result, null, 2));
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(
      new URL('./results/event-path.json', import.meta.url),
      JSON.stringify(result, null, 2),
    );
    // Every event applied exactly once (counted, not timed).
    expect(result.latencyAtRate.count).toBe(RATE * RATE_SECONDS);
    expect([
      outbox.lost,
      outbox.duplicated,
      withRows.lost,
      withRows.duplicated,
      latency.lost,
      latency.duplicated,
    ]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
