import pino from 'pino';
import { REBUILD_REQUESTED } from '@ami/contracts';
import { createKafka, EventContext, KafkaEventServer, PermanentEventError } from '@ami/messaging';
import { ScratchSchema, testKafkaConnection, uniqueName } from '@ami/testing';

/**
 * A real KafkaEventServer whose handler records each event's effect in a table, counting how
 * many times it was applied. Events of other test runs (same topic) are ignored.
 */
export async function startEffectConsumer(
  db: ScratchSchema,
  runId: string,
  opts: { maxMessageBytes?: number; groupId?: string; startNewGroupAtEnd?: boolean } = {},
) {
  await db.dataSource.query(
    `CREATE TABLE IF NOT EXISTS "${db.schema}".effects (event_id text PRIMARY KEY, family text NOT NULL, seq int NOT NULL, applied int NOT NULL)`,
  );
  const unknownTypes: string[] = [];
  const server = new KafkaEventServer({
    kafka: createKafka(testKafkaConnection('effect-consumer')),
    groupId: opts.groupId ?? uniqueName('effects'),
    startNewGroupAtEnd: opts.startNewGroupAtEnd,
    dataSource: db.dataSource,
    schema: db.schema,
    logger: pino({ level: 'silent' }),
    retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
    maxMessageBytes: opts.maxMessageBytes ?? 900_000,
    onUnknownType: (_topic, type) => unknownTypes.push(type),
  });
  server.addHandler(
    REBUILD_REQUESTED,
    async (event: any, ctx: EventContext) => {
      if (event.data.requestedBy !== runId) return;
      if (event.data.reason === 'explode') throw new Error('handler exploded on purpose');
      if (event.data.reason === 'refuse') throw new PermanentEventError('refused on purpose');
      await ctx.tx.query(
        `INSERT INTO "${db.schema}".effects (event_id, family, seq, applied) VALUES ($1, $2, $3, 1)
         ON CONFLICT (event_id) DO UPDATE SET applied = effects.applied + 1`,
        [event.id, event.data.family, Number(event.data.reason) || 0],
      );
    },
    true,
  );
  await new Promise<void>((resolve, reject) =>
    server.listen((err?: unknown) => (err ? reject(err) : resolve())),
  );
  return {
    server,
    /** Event types skipped as unknown (the tolerant reader). */
    unknownTypes,
    async effects(): Promise<
      Array<{ event_id: string; family: string; seq: number; applied: number }>
    > {
      return db.dataSource.query(
        `SELECT event_id, family, seq, applied FROM "${db.schema}".effects`,
      );
    },
    close: () => server.close(),
  };
}
