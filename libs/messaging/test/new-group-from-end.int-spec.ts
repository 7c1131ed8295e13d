import { createEnvelope, EventCatalog, REBUILD_REQUESTED } from '@ami/contracts';
import {
  eventually,
  scratchSchema,
  ScratchSchema,
  sourceFor,
  testKafka,
  uniqueName,
} from '@ami/testing';
import { startEffectConsumer } from './effect-consumer.js';

/**
 * KAFKA_NEW_GROUP_FROM_END (tests and benchmarks): a consumer group that has committed nothing
 * starts at the end of its topics, so a service started in a test does not replay the history
 * other tests left on the shared broker; a group that has committed resumes where it stopped.
 */
describe('a new consumer group from the end of its topics', () => {
  let db: ScratchSchema;
  const producer = testKafka('from-end-test').producer();
  beforeAll(async () => {
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
  });
  beforeEach(async () => {
    db = await scratchSchema('from_end');
  });
  afterEach(async () => {
    await db.drop();
  });

  const send = async (runId: string, seqs: number[]) => {
    await producer.send({
      topic: EventCatalog[REBUILD_REQUESTED].topic,
      messages: seqs.map((seq) => {
        const family = `${runId}-f${seq % 3}`;
        const event = createEnvelope(
          REBUILD_REQUESTED,
          { family, reason: String(seq), requestedBy: runId },
          { source: sourceFor(REBUILD_REQUESTED) },
        );
        return { key: family, value: JSON.stringify(event) };
      }),
    });
  };

  it('skips what was there before it started and misses nothing sent right after', async () => {
    const runId = uniqueName('from-end');
    await send(runId, [1, 2, 3, 4, 5, 6]);
    const consumer = await startEffectConsumer(db, runId, { startNewGroupAtEnd: true });
    try {
      await send(runId, [7, 8, 9, 10, 11, 12]);
      await eventually(
        async () => (await consumer.effects()).length >= 6,
        30_000,
        'the events sent after it started',
      );
      await new Promise((r) => setTimeout(r, 1000)); // room for an old event to sneak in
      expect((await consumer.effects()).map((e) => e.seq).sort((a, b) => a - b)).toEqual([
        7, 8, 9, 10, 11, 12,
      ]);
    } finally {
      await consumer.close();
    }
  });

  it('resumes a group that has committed where it stopped, not at the end', async () => {
    const runId = uniqueName('from-end-resume');
    const groupId = uniqueName('from-end-group');
    const first = await startEffectConsumer(db, runId, { groupId, startNewGroupAtEnd: true });
    await send(runId, [1, 2]);
    await eventually(async () => (await first.effects()).length === 2, 30_000, 'the first two');
    await new Promise((r) => setTimeout(r, 1500)); // past the auto-commit interval
    await first.close();

    await send(runId, [3, 4]); // while no member runs
    const second = await startEffectConsumer(db, runId, { groupId, startNewGroupAtEnd: true });
    try {
      await eventually(
        async () => (await second.effects()).length === 4,
        30_000,
        'the two sent while it was stopped',
      );
      expect((await second.effects()).every((e) => e.applied === 1)).toBe(true);
    } finally {
      await second.close();
    }
  });
});
