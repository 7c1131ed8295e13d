import pino from 'pino';
import { Topics } from '@ami/contracts';
import { AuditRecorder, createKafka, EventPublisher, OutboxRelay } from '@ami/messaging';
import {
  collect,
  eventually,
  scratchSchema,
  ScratchSchema,
  testKafka,
  testKafkaConnection,
  uniqueName,
} from '@ami/testing';

describe('the audit trail, in order (real PostgreSQL and Kafka)', () => {
  let db: ScratchSchema;
  beforeEach(async () => {
    db = await scratchSchema('audit');
  });
  afterEach(async () => {
    await db.drop();
  });

  it('puts concurrent writers’ audit events for one family on the topic in commit order', async () => {
    const family = uniqueName('fam');
    const writers = 8;
    await db.dataSource.query(
      `CREATE TABLE "${db.schema}".family_state (family text PRIMARY KEY, changes int NOT NULL)`,
    );
    await db.dataSource.query(`INSERT INTO "${db.schema}".family_state VALUES ($1, 0)`, [family]);
    const audit = new AuditRecorder(new EventPublisher(db.schema, '/ami/test'), db.schema);
    const collector = await collect(testKafka(), [Topics.Audit]);
    const relay = new OutboxRelay({
      schema: db.schema,
      database: db.connection,
      kafka: createKafka(testKafkaConnection('audit-order')),
      logger: pino({ level: 'silent' }),
      pollIntervalMs: 20,
    });

    // Each writer records its audit entry first and makes its change after a random pause, the
    // way a use case records a receipt before deciding. The change's row lock orders the commits.
    const commitOrder = new Map<number, number>();
    await Promise.all(
      Array.from({ length: writers }, (_, writer) =>
        db.dataSource.transaction(async (tx) => {
          await audit.record(tx, {
            actor: `writer-${writer}`,
            action: 'test.changed',
            subject: { family },
            before: null,
            after: { writer },
            outcome: 'succeeded',
          });
          await new Promise((r) => setTimeout(r, Math.random() * 40));
          const [rows] = await tx.query(
            `UPDATE "${db.schema}".family_state SET changes = changes + 1 WHERE family = $1 RETURNING changes`,
            [family],
          );
          commitOrder.set(writer, rows[0].changes);
        }),
      ),
    );
    // The relay starts only now, as one that was behind would: it publishes in outbox order, so
    // outbox order itself must be commit order.
    relay.start();
    const mine = () => collector.messages.filter((m) => m.message.key?.toString() === family);
    await eventually(() => mine().length === writers, 30_000, 'every audit event on the topic');
    await relay.stop();
    await collector.stop();

    const onTopic = mine()
      .sort((a, b) => Number(BigInt(a.message.offset) - BigInt(b.message.offset)))
      .map((m) => JSON.parse(m.message.value!.toString()).data.after.writer as number);
    expect(onTopic.map((writer) => commitOrder.get(writer))).toEqual(
      Array.from({ length: writers }, (_, i) => i + 1),
    );
  });
});
