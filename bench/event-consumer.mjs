// The event benchmark's consumer, in a process of its own as a service's consumer is deployed:
// the platform's KafkaEventServer (edge validation, inbox, one transaction per run of messages)
// applying ami.platform.probe events of one bench run (BENCH_EFFECT: memory or row). Built code (dist/),
// so `npm run build` first.
//   node bench/event-consumer.mjs <schema> <group id> <run id>
// stdout: "ready", then lines "<event id> <epoch ms with fractions>" for every event applied
// (after its transaction committed), flushed every few milliseconds.
import pino from 'pino';
import { DataSource } from 'typeorm';
import { PLATFORM_PROBE } from '../dist/libs/contracts/src/index.js';
import { createKafka, KafkaEventServer } from '../dist/libs/messaging/src/index.js';
import { testEnv, testKafkaConnection } from '../dist/libs/testing/src/index.js';

const [schema, groupId, runId] = process.argv.slice(2);
// memory: the effect is reported once its inbox transaction committed; row: it also inserts one
// row per event into <schema>.effects in that transaction (see event-path.bench.ts).
const effect = process.env.BENCH_EFFECT ?? 'memory';
const { db } = testEnv();
const dataSource = new DataSource({
  type: 'postgres',
  host: db.host,
  port: db.port,
  database: db.database,
  username: db.adminUser,
  password: db.adminPassword,
  schema,
  extra: { max: 10 },
});
await dataSource.initialize();

let pending = [];
const flush = () => {
  if (pending.length) process.stdout.write(pending.join(''));
  pending = [];
};
const flusher = setInterval(flush, 5);
const mine = new Set();
// Ready only once the consumer has joined its group: before that, events would wait for the
// join and the latency figure would measure the group's start-up.
const kafka = createKafka(testKafkaConnection('bench-consumer'));
const makeConsumer = kafka.consumer.bind(kafka);
let joined;
const hasJoined = new Promise((resolve) => (joined = resolve));
kafka.consumer = (config) => {
  const consumer = makeConsumer(config);
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  return consumer;
};
const server = new KafkaEventServer({
  kafka,
  groupId,
  dataSource,
  schema,
  logger: pino({ level: 'silent' }),
  retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 100 },
  maxMessageBytes: 900_000,
  // The new group starts at the topic's end: the bench measures its own events, not the
  // topic's history. (admin.resetOffsets({ earliest: false }) commits the logical offset -1,
  // which kafkajs reads as "no offset" and so starts from the beginning: every earlier run's
  // probes were replayed first, and the figures got worse with every run on the same broker.)
  startNewGroupAtEnd: true,
  // Called after the inbox transaction committed: the effect is durable from here.
  onOutcome: (_topic, outcome, eventId) => {
    if (outcome === 'processed' && eventId && mine.delete(eventId))
      pending.push(`${eventId} ${performance.timeOrigin + performance.now()}\n`);
  },
});
server.addHandler(
  PLATFORM_PROBE,
  async (event, ctx) => {
    if (!event.data.probeId.startsWith(`${runId}/`)) return;
    if (effect === 'row')
      await ctx.tx.query(`INSERT INTO "${schema}".effects (event_id) VALUES ($1)`, [event.id]);
    mine.add(event.id);
  },
  true,
);
await new Promise((resolve, reject) => server.listen((e) => (e ? reject(e) : resolve())));
await hasJoined;
process.stdout.write('ready\n');

const stop = async () => {
  await server.close();
  flush();
  clearInterval(flusher);
  await dataSource.destroy();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
