import type { KafkaMessage } from 'kafkajs';
import { KafkaEventServer } from './kafka-event.server.js';

/** An inbox table in memory: INSERT … ON CONFLICT DO NOTHING RETURNING, keyed by consumer and event id. */
function memoryDataSource() {
  const rows = new Set<string>();
  const tx = {
    query: async (_sql: string, params: unknown[]) => {
      const key = `${params[0]}|${params[1]}`;
      if (rows.has(key)) return [];
      rows.add(key);
      return [{ event_id: params[1] }];
    },
  };
  return { rows, dataSource: { transaction: (fn: (t: typeof tx) => unknown) => fn(tx) } };
}

const quiet = { warn: () => undefined, debug: () => undefined, error: () => undefined };

function serverWith(dataSource: unknown, sent: unknown[]) {
  const server = new KafkaEventServer({
    kafka: {} as never,
    groupId: 'replicator',
    dataSource: dataSource as never,
    schema: 'replicator',
    logger: quiet as never,
    retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 },
    maxMessageBytes: 1024,
  });
  (server as unknown as { producer: unknown }).producer = {
    send: async (record: unknown) => void sent.push(record),
  };
  return server as unknown as {
    deadLetter(
      kind: string,
      reason: string,
      topic: string,
      partition: number,
      message: KafkaMessage,
      attempts: number,
    ): Promise<void>;
  };
}

const message = (offset: string): KafkaMessage =>
  ({
    key: Buffer.from('f'),
    value: Buffer.from('not json'),
    offset,
    timestamp: '1764800000000',
    headers: {},
    attributes: 0,
  }) as KafkaMessage;

describe('dead letters', () => {
  it('are sent once per group, whichever member (or redelivery) meets the message again', async () => {
    const { dataSource } = memoryDataSource();
    const sent: unknown[] = [];
    // Two members of one group: one woke from a pause and still holds the old fetch.
    const a = serverWith(dataSource, sent);
    const b = serverWith(dataSource, sent);
    await a.deadLetter('malformed-json', 'not JSON', 'ami.builder.builds.v1', 3, message('9'), 0);
    await b.deadLetter('malformed-json', 'not JSON', 'ami.builder.builds.v1', 3, message('9'), 0);
    expect(sent).toHaveLength(1);
    // another position is another dead letter
    await b.deadLetter('malformed-json', 'not JSON', 'ami.builder.builds.v1', 3, message('10'), 0);
    expect(sent).toHaveLength(2);
  });

  it('are not recorded as sent when the send fails, so the next attempt sends them', async () => {
    const { dataSource, rows } = memoryDataSource();
    const failing = serverWith(
      {
        transaction: async (fn: (tx: unknown) => Promise<unknown>) => {
          const before = new Set(rows);
          try {
            return await (dataSource.transaction as (f: typeof fn) => Promise<unknown>)(fn);
          } catch (error) {
            // a rollback: what the transaction inserted is gone
            rows.clear();
            for (const r of before) rows.add(r);
            throw error;
          }
        },
      },
      [],
    );
    (failing as unknown as { producer: unknown }).producer = {
      send: async () => {
        throw new Error('broker gone');
      },
    };
    await expect(
      failing.deadLetter('malformed-json', 'x', 'ami.builder.builds.v1', 0, message('1'), 0),
    ).rejects.toThrow('broker gone');
    const sent: unknown[] = [];
    await serverWith(dataSource, sent).deadLetter(
      'malformed-json',
      'x',
      'ami.builder.builds.v1',
      0,
      message('1'),
      0,
    );
    expect(sent).toHaveLength(1);
  });

  it('are not sent again when the database went away after the send, before the commit', async () => {
    const { dataSource, rows } = memoryDataSource();
    let commits = 0;
    const sent: unknown[] = [];
    const server = serverWith(
      {
        // the first commit is lost with the connection (PostgreSQL restarting): rolled back
        transaction: async (fn: (tx: unknown) => Promise<unknown>) => {
          const before = new Set(rows);
          const out = await (dataSource.transaction as (f: typeof fn) => Promise<unknown>)(fn);
          if (commits++ === 0) {
            rows.clear();
            for (const r of before) rows.add(r);
            throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
          }
          return out;
        },
      },
      sent,
    );
    await server.deadLetter('malformed-json', 'x', 'ami.builder.builds.v1', 0, message('5'), 0);
    expect(sent).toHaveLength(1);
    expect([...rows]).toEqual(['replicator|dead-letter:ami.builder.builds.v1/0/5/1764800000000']);
  });
});
