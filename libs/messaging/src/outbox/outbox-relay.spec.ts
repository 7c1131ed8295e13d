import { OutboxRelay } from './outbox-relay.js';

const quiet = { warn: () => undefined, info: () => undefined, error: () => undefined };

/** The relay's connection as a fake at the pg boundary: an outbox of unpublished rows. */
function outbox(positions: string[]) {
  const unpublished = new Set(positions);
  let failNextMark = false;
  const marks: string[][] = [];
  const client = {
    query: async (sql: string, params: unknown[]) => {
      if (sql.trimStart().startsWith('SELECT position')) {
        // position < $2 OR position > $3: the batch sent last, not marked yet, is left out
        const [limit, from, to] = params as [number, string | null, string | null];
        const outside = (p: string) => from === null || +p < +from! || +p > +to!;
        return {
          rows: [...unpublished]
            .filter(outside)
            .sort((a, b) => +a - +b)
            .slice(0, limit)
            .map((position) => ({
              position,
              topic: 'ami.catalog.versions.v1',
              message_key: 'web-base',
              event_type: 'ami.catalog.version-registered',
              envelope: `{"id":"${position}"}`,
              bytes: 12,
            })),
        };
      }
      if (sql.trimStart().startsWith('UPDATE')) {
        if (failNextMark) {
          failNextMark = false;
          throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
        }
        const marked = params[0] as string[];
        marks.push(marked);
        for (const p of marked) unpublished.delete(p);
      }
      return { rows: [] };
    },
  };
  return { client, marks, failMark: () => (failNextMark = true), unpublished };
}

function relayOn(db: ReturnType<typeof outbox>, batchSize = 500) {
  const sent: string[][] = [];
  const relay = new OutboxRelay({
    schema: 'catalog',
    database: {},
    kafka: {} as never,
    logger: quiet as never,
    batchSize,
  });
  Object.assign(relay, {
    client: db.client,
    producer: {
      sendBatch: async ({
        topicMessages,
      }: {
        topicMessages: { messages: { value: string }[] }[];
      }) =>
        void sent.push(
          topicMessages.flatMap((t) => t.messages.map((m) => JSON.parse(m.value).id as string)),
        ),
    },
  });
  return { relay, sent };
}

describe('outbox relay', () => {
  it('marks a batch it sent once the database is back, without sending it again', async () => {
    const db = outbox(['1', '2', '3']);
    const { relay, sent } = relayOn(db);
    db.failMark();
    // sent, then its marking (behind the next read) fails with the connection
    expect(await relay.relayBatch()).toBe(3);
    await expect(relay.relayBatch()).rejects.toThrow('Connection terminated');
    expect(sent).toHaveLength(1);
    expect(db.unpublished.size).toBe(3);
    // back (a new connection): the same rows are still unpublished, and only marked
    Object.assign(relay, { sentLast: undefined });
    expect(await relay.relayBatch()).toBe(3);
    expect(sent).toHaveLength(1);
    expect(db.marks).toEqual([['1', '2', '3']]);
    expect(await relay.relayBatch()).toBe(0);
  });

  it('marks each batch while sending the next, in position order, each row sent once', async () => {
    const db = outbox(['1', '2', '3', '4', '5']);
    const { relay, sent } = relayOn(db, 2);
    expect(await relay.relayBatch()).toBe(2);
    expect(db.marks).toEqual([]); // marked with the next batch
    expect(await relay.relayBatch()).toBe(2);
    expect(db.marks).toEqual([['1', '2']]);
    expect(await relay.relayBatch()).toBe(1);
    expect(await relay.relayBatch()).toBe(0);
    expect(sent).toEqual([['1', '2'], ['3', '4'], ['5']]);
    expect(db.marks).toEqual([['1', '2'], ['3', '4'], ['5']]);
    expect(db.unpublished.size).toBe(0);
  });

  it('sends a row committed late inside the range being marked with the next batch', async () => {
    const db = outbox(['1', '3', '4']);
    const { relay, sent } = relayOn(db, 2);
    expect(await relay.relayBatch()).toBe(2); // 1 and 3
    db.unpublished.add('2'); // its transaction took position 2 but committed only now
    expect(await relay.relayBatch()).toBe(1); // 4: 1..3 is being marked
    expect(await relay.relayBatch()).toBe(1); // 2
    expect(await relay.relayBatch()).toBe(0);
    expect(sent).toEqual([['1', '3'], ['4'], ['2']]);
    expect(db.unpublished.size).toBe(0);
  });
});
