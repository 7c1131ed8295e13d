import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { ALL_TOPICS, REBUILD_REQUESTED } from '@ami/contracts';
import { createKafka, ensureTopics, EventPublisher, OutboxRelay } from '@ami/messaging';
import {
  eventually,
  scratchSchema,
  ScratchSchema,
  testKafkaConnection,
  testKafka,
  uniqueName,
} from '@ami/testing';
import { startEffectConsumer } from './effect-consumer.js';

const stackScript = fileURLToPath(new URL('../../../scripts/stack.sh', import.meta.url));
const restart = (component: 'kafka' | 'postgres') =>
  execFileSync('bash', [stackScript, 'restart', component], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });

/** Writes events in small transactions until stopped, retrying while the database is away. */
function keepPublishing(db: ScratchSchema, runId: string) {
  const publisher = new EventPublisher(db.schema, '/ami/test');
  let written = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      try {
        await db.dataSource.transaction(async (tx) => {
          for (let i = 0; i < 10; i++) {
            const family = `${runId}-f${(written + i) % 4}`;
            await publisher.publish(
              tx,
              REBUILD_REQUESTED,
              { family, reason: String(written + i), requestedBy: runId },
              { key: family },
            );
          }
        });
        written += 10;
      } catch {
        await new Promise((r) => setTimeout(r, 200)); // the database is restarting
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    get written() {
      return written;
    },
    async stop() {
      running = false;
      await done;
      return written;
    },
  };
}

describe('restarts while publishing (real Kafka and PostgreSQL restarted by the stack script)', () => {
  let db: ScratchSchema;
  let relay: OutboxRelay;
  beforeAll(async () => {
    await ensureTopics(testKafka(), ALL_TOPICS, { partitions: 6, replicationFactor: 1 });
  });
  beforeEach(async () => {
    db = await scratchSchema('restart');
    relay = new OutboxRelay({
      schema: db.schema,
      database: db.connection,
      kafka: createKafka(testKafkaConnection('relay-restart')),
      logger: pino({ level: 'silent' }),
      batchSize: 50,
      pollIntervalMs: 50,
    });
  });
  afterEach(async () => {
    await relay.stop();
    await db.drop();
  });

  it.each(['kafka', 'postgres'] as const)(
    'loses nothing when %s restarts mid-stream',
    async (component) => {
      const runId = uniqueName(`restart-${component}`);
      const consumer = await startEffectConsumer(db, runId);
      relay.start();
      const publisher = keepPublishing(db, runId);
      await eventually(
        () => publisher.written >= 200,
        30_000,
        'some events written before the restart',
      );
      restart(component);
      const before = publisher.written;
      await eventually(
        () => publisher.written >= before + 200,
        60_000,
        'events written after the restart',
      );
      const total = await publisher.stop();
      await eventually(
        async () => (await consumer.effects()).length === total,
        120_000,
        `all ${total} effects after the ${component} restart`,
      );
      const effects = await consumer.effects();
      await consumer.close();
      expect(effects.filter((e) => e.applied !== 1)).toEqual([]);
      expect(new Set(effects.map((e) => e.seq)).size).toBe(total);
    },
  );
});
