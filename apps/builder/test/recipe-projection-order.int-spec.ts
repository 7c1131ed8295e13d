import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CHANNEL_MOVED,
  COPY_SUCCEEDED,
  createEnvelope,
  EventCatalog,
  EventType,
  PayloadOf,
} from '@ami/contracts';
import type { CloudEvent } from '@ami/contracts';
import { eventually, sourceFor, startServiceForTest, testKafka, uniqueName } from '@ami/testing';
import { BuilderModule } from '../src/builder.module.js';
import { configureBuilder } from '../src/configure-builder.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 27, 10, minute));

/**
 * The builder keeps its own pointer to each family's channels (a child builds from its
 * parent's channel) and the images it has heard of. Facts replayed late or arriving out of
 * order must not move either backwards.
 */
describe("the builder's projection of channel moves and copies refuses stale facts", () => {
  let app: INestApplication;
  let db: DataSource;
  const producer = testKafka('builder-order-test').producer();
  beforeAll(async () => {
    app = await startServiceForTest(
      BuilderModule,
      { name: 'builder', schema: 'builder', consumeEvents: true },
      {},
      configureBuilder,
    );
    db = app.get(DataSource);
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await app?.close();
  });

  const fact = <T extends EventType>(type: T, data: PayloadOf<T>, time: Date) =>
    createEnvelope(type, data, { source: sourceFor(type), time });
  const send = async (...events: CloudEvent[]) => {
    for (const event of events) {
      await producer.send({
        topic: EventCatalog[event.type as EventType].topic,
        messages: [
          { key: (event.data as { family: string }).family, value: JSON.stringify(event) },
        ],
      });
    }
  };
  const moved = (family: string, channel: string, version: string, time: Date, sequence?: number) =>
    fact(
      CHANNEL_MOVED,
      {
        family,
        channel,
        version,
        previousVersion: null,
        movement: 'promote',
        movedBy: 'operator',
        forced: false,
        ...(sequence === undefined ? {} : { sequence }),
      },
      time,
    );
  const pointer = async (family: string, channel: string): Promise<string | undefined> =>
    (
      await db.query(
        'SELECT version FROM builder.channel_pointers WHERE family = $1 AND channel = $2',
        [family, channel],
      )
    )[0]?.version;
  /** A later move on the same topic and key: once it is in, everything before it was handled. */
  const settle = async (family: string) => {
    const channel = uniqueName('probe');
    await send(moved(family, channel, '2026.11.27-9', new Date(), 1));
    await eventually(async () => (await pointer(family, channel)) !== undefined, 30_000, channel);
  };

  it('an older channel move replayed after a newer one does not overwrite it', async () => {
    const family = uniqueName('order');
    await send(moved(family, 'prod', '2026.11.27-2', at(20), 8));
    await eventually(async () => (await pointer(family, 'prod')) === '2026.11.27-2', 30_000, 'v2');
    // The move to v1 (sequence 7) comes back from a dead-letter replay. Its clock says later,
    // but the channel's history says earlier: the sequence decides.
    await send(moved(family, 'prod', '2026.11.27-1', at(40), 7));
    // A move published before moves carried a sequence is ordered by its time.
    await send(moved(family, 'prod', '2026.11.27-0', at(10)));
    await settle(family);
    expect(await pointer(family, 'prod')).toBe('2026.11.27-2');
    // A later move still moves it.
    await send(moved(family, 'prod', '2026.11.27-3', at(50), 9));
    await eventually(async () => (await pointer(family, 'prod')) === '2026.11.27-3', 30_000, 'v3');
  });

  it('an older copy-succeeded does not replace the image a later one named', async () => {
    const family = uniqueName('order-copy');
    const copy = (imageId: string, minute: number) =>
      fact(
        COPY_SUCCEEDED,
        { family, version: '2026.11.27-1', region: 'eu-west-1', imageId, snapshotIds: [] },
        at(minute),
      );
    const image = async (region: string) =>
      (
        await db.query(
          'SELECT image_id FROM builder.known_images WHERE family = $1 AND version = $2 AND region = $3',
          [family, '2026.11.27-1', region],
        )
      )[0]?.image_id;
    await send(copy('ami-0000000000000002', 20), copy('ami-0000000000000001', 10));
    // A later copy on the same topic and key: by then the late one was handled.
    await send(
      fact(
        COPY_SUCCEEDED,
        {
          family,
          version: '2026.11.27-1',
          region: 'probe',
          imageId: 'ami-0000000000000009',
          snapshotIds: [],
        },
        new Date(),
      ),
    );
    await eventually(async () => (await image('probe')) !== undefined, 30_000, 'the probe');
    expect(await image('eu-west-1')).toBe('ami-0000000000000002');
  });
});
