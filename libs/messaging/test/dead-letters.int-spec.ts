import {
  ALL_TOPICS,
  AUDIT_RECORDED,
  createEnvelope,
  deadLetterTopic,
  REBUILD_REQUESTED,
  Topics,
} from '@ami/contracts';
import { DLQ_HEADERS, ensureTopics, headerValue, replayDeadLetters } from '@ami/messaging';
import {
  collect,
  eventually,
  scratchSchema,
  ScratchSchema,
  testKafka,
  uniqueName,
} from '@ami/testing';
import { startEffectConsumer } from './effect-consumer.js';

describe('dead letters and the idempotent inbox (real Kafka and PostgreSQL)', () => {
  let db: ScratchSchema;
  beforeAll(async () => {
    await ensureTopics(testKafka(), ALL_TOPICS, { partitions: 6, replicationFactor: 1 });
  });
  beforeEach(async () => {
    db = await scratchSchema('dlq');
  });
  afterEach(async () => {
    await db.drop();
  });

  it('dead-letters each kind of bad message with its reason while later messages on the partition flow', async () => {
    const runId = uniqueName('poison');
    const family = `${runId}-fam`;
    const kafka = testKafka();
    const dlq = await collect(kafka, [deadLetterTopic(Topics.RebuildRequests)]);
    const consumer = await startEffectConsumer(db, runId, { maxMessageBytes: 4096 });

    const valid = (reason: string, id?: string) =>
      JSON.stringify(
        createEnvelope(
          REBUILD_REQUESTED,
          { family, reason, requestedBy: runId },
          { source: '/test', id },
        ),
      );
    const first = valid('1');
    const values: Array<{ value: string; expect?: string }> = [
      { value: `{"not json": ${runId}`, expect: 'malformed-json' },
      { value: JSON.stringify({ hello: runId }), expect: 'invalid-envelope' },
      {
        value: JSON.stringify(
          createEnvelope(
            REBUILD_REQUESTED,
            { family: 'NOT A FAMILY', reason: runId, requestedBy: runId },
            { source: '/test' },
          ),
        ),
        expect: 'invalid-payload',
      },
      // A type this build does not know (a newer producer): skipped and counted, not dead-lettered.
      {
        value: JSON.stringify(createEnvelope('ami.nope.happened', { runId }, { source: '/test' })),
      },
      // A known type on the wrong topic is a mistake, not a newer producer: dead-lettered.
      {
        value: JSON.stringify(
          createEnvelope(
            AUDIT_RECORDED,
            {
              actor: runId,
              action: 'x.y',
              subject: { family },
              before: null,
              after: null,
              outcome: 'succeeded',
            },
            { source: '/test' },
          ),
        ),
        expect: 'unknown-event-type',
      },
      { value: JSON.stringify({ runId, padding: 'x'.repeat(8000) }), expect: 'oversized' },
      { value: valid('explode'), expect: 'processing-failed' },
      { value: valid('refuse'), expect: 'processing-failed' },
      { value: first },
      { value: first }, // redelivered: must not apply twice
      { value: valid('2') },
    ];
    const producer = kafka.producer();
    await producer.connect();
    // One key: every message lands on the same partition, in this order.
    await producer.send({
      topic: Topics.RebuildRequests,
      messages: values.map((v) => ({ key: family, value: v.value })),
    });
    await producer.disconnect();

    await eventually(
      async () => (await consumer.effects()).length === 2,
      30_000,
      'the two valid events to be applied',
    );
    const letters = await dlq.waitFor(
      (m) => m.filter((x) => x.message.key?.toString() === family).length === 7,
    );
    await consumer.close();
    await dlq.stop();

    const effects = await consumer.effects();
    expect(effects.map((e) => [e.seq, e.applied]).sort()).toEqual([
      [1, 1],
      [2, 1],
    ]);
    const mine = letters.filter((x) => x.message.key?.toString() === family);
    expect(mine.map((x) => headerValue(x.message.headers, DLQ_HEADERS.kind))).toEqual(
      values.filter((v) => v.expect).map((v) => v.expect),
    );
    const byKind = (kind: string) =>
      mine.filter((x) => headerValue(x.message.headers, DLQ_HEADERS.kind) === kind);
    expect(headerValue(byKind('invalid-payload')[0].message.headers, DLQ_HEADERS.reason)).toMatch(
      /family: family must be lowercase/,
    );
    expect(
      headerValue(byKind('unknown-event-type')[0].message.headers, DLQ_HEADERS.reason),
    ).toContain('belongs on ami.audit.v1');
    expect(consumer.unknownTypes).toContain('ami.nope.happened');
    expect(headerValue(byKind('oversized')[0].message.headers, DLQ_HEADERS.reason)).toMatch(
      /over the 4096-byte limit/,
    );
    const [exploded, refused] = byKind('processing-failed');
    expect(headerValue(exploded.message.headers, DLQ_HEADERS.reason)).toBe(
      'handler exploded on purpose',
    );
    expect(headerValue(exploded.message.headers, DLQ_HEADERS.attempts)).toBe('3');
    expect(headerValue(refused.message.headers, DLQ_HEADERS.attempts)).toBe('1');
    for (const letter of mine) {
      expect(headerValue(letter.message.headers, DLQ_HEADERS.topic)).toBe(Topics.RebuildRequests);
      expect(headerValue(letter.message.headers, DLQ_HEADERS.offset)).toMatch(/^\d+$/);
    }
  });

  it('replays dead letters back to their topic', async () => {
    const runId = uniqueName('replay');
    const family = `${runId}-fam`;
    const kafka = testKafka();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: deadLetterTopic(Topics.RebuildRequests),
      messages: [
        {
          key: family,
          value: JSON.stringify(
            createEnvelope(
              REBUILD_REQUESTED,
              { family, reason: '7', requestedBy: runId },
              { source: '/test' },
            ),
          ),
          headers: {
            [DLQ_HEADERS.topic]: Topics.RebuildRequests,
            [DLQ_HEADERS.reason]: 'database was down',
          },
        },
      ],
    });
    await producer.disconnect();
    const consumer = await startEffectConsumer(db, runId);
    const result = await replayDeadLetters(
      kafka,
      Topics.RebuildRequests,
      uniqueName('replay-group'),
    );
    expect(result.byOriginalTopic[Topics.RebuildRequests]).toBeGreaterThanOrEqual(1);
    await eventually(
      async () => (await consumer.effects()).some((e) => e.family === family),
      30_000,
      'the replayed event to be applied',
    );
    await consumer.close();
  });
});
