import { OutboxRelay } from './outbox-relay.js';

const quiet = { warn: () => undefined, info: () => undefined, error: () => undefined };

/** The relay's connection as a fake at the pg boundary: an outbox of unpublished rows. */
function outbox(positions: string[]) {
  const unpublished = new Set(positions);
  let failNextMark = false;
  const marks: string[][] = [];
  const client = {
    query: async (sql: string, params: unknown[]) => {
      if (sql.trimStart().startsWith('SELECT position'))
        return {
          rows: [...unpublished].map((position) => ({
            position,
            topic: 'ami.catalog.versions.v1',
            message_key: 'web-base',
            event_type: 'ami.catalog.version-registered',
            envelope: `{"id":"${position}"}`,
            bytes: 12,
          })),
        };
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

describe('outbox relay', () => {
  it('marks a batch it sent once the database is back, without sending it again', async () => {
    const db = outbox(['1', '2', '3']);
    const sent: string[][] = [];
    const relay = new OutboxRelay({
      schema: 'catalog',
      database: {},
      kafka: {} as never,
      logger: quiet as never,
    });
    Object.assign(relay, {
      client: db.client,
      producer: {
        sendBatch: async ({
          topicMessages,
        }: {
          topicMessages: { messages: { value: string }[] }[];
        }) => void sent.push(topicMessages.flatMap((t) => t.messages.map((m) => m.value))),
      },
    });
    db.failMark();
    await expect(relay.relayBatch()).rejects.toThrow('Connection terminated');
    expect(sent).toHaveLength(1);
    expect(db.unpublished.size).toBe(3);
    // back: the same rows are still unpublished in the database, and only marked
    expect(await relay.relayBatch()).toBe(3);
    expect(sent).toHaveLength(1);
    expect(db.marks).toEqual([['1', '2', '3']]);
    expect(await relay.relayBatch()).toBe(0);
  });
});
