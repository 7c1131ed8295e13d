import pino from 'pino';
import { createEnvelope, REBUILD_REQUESTED, Topics } from '@ami/contracts';
import { createKafka, OutboxRelay } from '@ami/messaging';
import {
  collect,
  eventually,
  scratchSchema,
  ScratchSchema,
  testKafka,
  testKafkaConnection,
  uniqueName,
} from '@ami/testing';

const silent = pino({ level: 'silent' });

/** A rebuild request whose reason pads it to about `bytes` bytes. */
function row(runId: string, seq: number, bytes = 0) {
  return createEnvelope(
    REBUILD_REQUESTED,
    { family: `${runId}-f`, reason: `${seq}:${'x'.repeat(bytes)}`, requestedBy: runId },
    { source: '/ami/test' },
  );
}

/** Writes envelopes straight into the outbox, as a publisher with a higher limit once did. */
async function insertRaw(db: ScratchSchema, envelopes: Array<ReturnType<typeof row>>) {
  for (const e of envelopes)
    await db.dataSource.query(
      `INSERT INTO "${db.schema}".outbox (event_id, topic, message_key, event_type, envelope) VALUES ($1, $2, $3, $4, $5)`,
      [e.id, Topics.RebuildRequests, e.data.family, e.type, JSON.stringify(e)],
    );
}

describe('the relay cannot stall (real PostgreSQL and Kafka)', () => {
  let db: ScratchSchema;
  let relay: OutboxRelay | undefined;
  beforeEach(async () => {
    db = await scratchSchema('stall');
  });
  afterEach(async () => {
    await relay?.stop();
    await db.drop();
  });

  it('sets aside an oversized row and one the broker refuses, reports them, and publishes the rows behind them', async () => {
    const runId = uniqueName('stall');
    const collector = await collect(testKafka(), [Topics.RebuildRequests]);
    const setAside: Array<{ position: string; reason: string }> = [];
    // Over the relay's own limit: set aside without trying. Over the broker's
    // message.max.bytes (1 MiB) but under the relay's limit: refused by the broker.
    await insertRaw(db, [
      row(runId, 1),
      row(runId, 2, 3_000_000),
      row(runId, 3),
      row(runId, 4, 1_200_000),
      row(runId, 5),
    ]);
    relay = new OutboxRelay({
      schema: db.schema,
      database: db.connection,
      kafka: createKafka(testKafkaConnection('relay-stall')),
      logger: silent,
      pollIntervalMs: 50,
      maxMessageBytes: 2_000_000,
      maxBatchBytes: 2_000_000,
      onSetAside: (r) => setAside.push(r),
    });
    relay.start();
    const mine = () =>
      collector.messages
        .map((m) => JSON.parse(m.message.value!.toString()))
        .filter((e) => e.data.requestedBy === runId)
        .map((e) => Number(e.data.reason.split(':')[0]));
    await eventually(() => mine().length === 3, 30_000, 'the three good rows on Kafka');
    await collector.stop();
    expect(mine()).toEqual([1, 3, 5]);
    const rows = await db.dataSource.query(
      `SELECT published_at IS NOT NULL AS published, set_aside_reason FROM "${db.schema}".outbox ORDER BY position`,
    );
    expect(rows.map((r: any) => r.published)).toEqual([true, false, true, false, true]);
    expect(rows[1].set_aside_reason).toMatch(/over the 2000000-byte message limit/);
    expect(rows[3].set_aside_reason).toMatch(/broker refused it/);
    expect(setAside).toHaveLength(2);
  });

  it('keeps each batch under its byte bound', async () => {
    const runId = uniqueName('bytes');
    await insertRaw(
      db,
      Array.from({ length: 12 }, (_, i) => row(runId, i, 100_000)),
    );
    const batches: number[] = [];
    relay = new OutboxRelay({
      schema: db.schema,
      database: db.connection,
      kafka: createKafka(testKafkaConnection('relay-bytes')),
      logger: silent,
      pollIntervalMs: 50,
      maxBatchBytes: 350_000,
      onPublished: (count) => batches.push(count),
    });
    relay.start();
    await eventually(() => batches.reduce((a, b) => a + b, 0) === 12, 30_000, 'all 12 published');
    expect(Math.max(...batches)).toBe(3); // 3 x ~100 kB fit under 350 kB, 4 do not
  });

  it('prunes inbox rows older than the horizon', async () => {
    await db.dataSource.query(
      `INSERT INTO "${db.schema}".inbox (consumer, event_id, topic, kafka_partition, kafka_offset, processed_at)
       VALUES ('g', 'old', 't', 0, 1, now() - interval '20 days'), ('g', 'recent', 't', 0, 2, now() - interval '1 day')`,
    );
    relay = new OutboxRelay({
      schema: db.schema,
      database: db.connection,
      kafka: createKafka(testKafkaConnection('relay-prune')),
      logger: silent,
      pollIntervalMs: 50,
      inboxRetentionMs: 14 * 24 * 3600_000,
    });
    relay.start();
    await eventually(
      async () =>
        (await db.dataSource.query(`SELECT event_id FROM "${db.schema}".inbox`)).length === 1,
      20_000,
      'the old inbox row pruned',
    );
    expect(await db.dataSource.query(`SELECT event_id FROM "${db.schema}".inbox`)).toEqual([
      { event_id: 'recent' },
    ]);
  });
});
