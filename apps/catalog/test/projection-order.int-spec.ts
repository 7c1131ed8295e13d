import {
  BUILD_SUCCEEDED,
  COPY_STARTED,
  COPY_SUCCEEDED,
  createEnvelope,
  EventCatalog,
  EventType,
  IMAGE_LIFECYCLE_CHANGED,
  LAUNCH_PERMISSIONS_APPLIED,
  PayloadOf,
} from '@ami/contracts';
import type { CloudEvent } from '@ami/contracts';
import { eventually, testKafka, uniqueName, sourceFor } from '@ami/testing';
import { CatalogHarness, startCatalog } from './catalog-harness.js';
import { amiId, baseSpec, buildSucceeded, snapId } from './fixtures.js';

const V1 = '2026.11.27-1';
const at = (minute: number) => new Date(Date.UTC(2026, 10, 27, 10, minute));

/**
 * Facts reach the catalog late and out of order: a dead letter replayed hours later, or one
 * topic running behind another. Each projected copy keeps the position of the fact it holds
 * and refuses older ones; a deregistration is final for its image.
 */
describe('catalog projections refuse stale facts (real Kafka, PostgreSQL)', () => {
  let catalog: CatalogHarness;
  const producer = testKafka('catalog-order-test').producer();
  beforeAll(async () => {
    catalog = await startCatalog();
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await catalog?.close();
  });

  /** An event as its producer wrote it at `time`: what a replay puts back on the topic. */
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
  const copy = async (family: string, region: string) =>
    (await catalog.http('GET', `/v1/families/${family}/versions/${V1}/copies`)).body.items?.find(
      (c: any) => c.region === region,
    );
  const staleCount = async () => {
    const text = await (await fetch(`${catalog.url}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('ami_catalog_stale_facts_total{'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };
  /**
   * Waits until a later fact on the same topic and key (so the same partition) is applied: by
   * then the catalog has taken, or refused, everything sent before it.
   */
  const settle = async (family: string, topic: 'copies' | 'lifecycle') => {
    const region = uniqueName('probe');
    const imageId = amiId();
    await send(
      topic === 'copies'
        ? fact(
            COPY_SUCCEEDED,
            { family, version: V1, region, imageId, snapshotIds: [] },
            new Date(),
          )
        : fact(
            IMAGE_LIFECYCLE_CHANGED,
            {
              family,
              version: V1,
              region,
              imageId,
              state: 'deprecated',
              reason: 'probe',
              at: new Date().toISOString(),
            },
            new Date(),
          ),
    );
    await eventually(async () => (await copy(family, region)) !== undefined, 30_000, region);
  };

  async function familyWithVersion() {
    const family = uniqueName('order');
    expect((await catalog.http('POST', '/v1/specs', { body: baseSpec(family) })).status).toBe(201);
    await send(fact(BUILD_SUCCEEDED, buildSucceeded(family, V1), at(0)));
    await eventually(async () => (await copy(family, 'us-east-1')) !== undefined, 30_000, V1);
    return family;
  }

  it('a copy-succeeded replayed after the copy was deregistered does not revive it', async () => {
    const family = await familyWithVersion();
    const west = amiId();
    const started = fact(
      COPY_STARTED,
      {
        family,
        version: V1,
        sourceRegion: 'us-east-1',
        sourceImageId: amiId(),
        region: 'eu-west-1',
        imageId: west,
      },
      at(1),
    );
    // Written at 10:02 but dead-lettered; the scanner deregistered the copy at 10:30.
    const succeeded = fact(
      COPY_SUCCEEDED,
      { family, version: V1, region: 'eu-west-1', imageId: west, snapshotIds: [snapId()] },
      at(2),
    );
    const deregistered = fact(
      IMAGE_LIFECYCLE_CHANGED,
      {
        family,
        version: V1,
        region: 'eu-west-1',
        imageId: west,
        state: 'deregistered',
        reason: 'retired',
        at: at(30).toISOString(),
      },
      at(30),
    );
    await send(started);
    await eventually(
      async () => (await copy(family, 'eu-west-1'))?.state === 'pending',
      30_000,
      'the pending copy',
    );
    await send(deregistered);
    await eventually(
      async () => (await copy(family, 'eu-west-1'))?.state === 'deregistered',
      30_000,
      'the deregistration',
    );
    const staleBefore = await staleCount();
    await send(succeeded); // the replay
    // A producer whose clock runs ahead says the same image succeeded later still: refused too,
    // since AWS never brings a deregistered image back.
    await send(
      fact(
        COPY_SUCCEEDED,
        { family, version: V1, region: 'eu-west-1', imageId: west, snapshotIds: [snapId()] },
        at(45),
      ),
    );
    await settle(family, 'copies');
    expect(await copy(family, 'eu-west-1')).toMatchObject({
      state: 'deregistered',
      imageId: west,
    });
    expect(await staleCount()).toBe(staleBefore + 2);
    const resolved = await catalog.http(
      'GET',
      `/v1/families/${family}/resolve?channel=latest&region=eu-west-1`,
      { role: 'reader' },
    );
    expect(resolved.status).toBe(404);
  });

  it('a build-succeeded replayed after its image was deregistered does not revive it', async () => {
    const family = uniqueName('order-build');
    expect((await catalog.http('POST', '/v1/specs', { body: baseSpec(family) })).status).toBe(201);
    const built = buildSucceeded(family, V1);
    await send(fact(BUILD_SUCCEEDED, built, at(0)));
    await eventually(async () => (await copy(family, 'us-east-1')) !== undefined, 30_000, V1);
    await send(
      fact(
        IMAGE_LIFECYCLE_CHANGED,
        {
          family,
          version: V1,
          region: 'us-east-1',
          imageId: built.image.imageId,
          state: 'deregistered',
          reason: 'retired',
          at: at(30).toISOString(),
        },
        at(30),
      ),
    );
    await eventually(
      async () => (await copy(family, 'us-east-1'))?.state === 'deregistered',
      30_000,
      'the deregistration',
    );
    // The same build's fact delivered again (a replay from its dead-letter topic).
    await send(fact(BUILD_SUCCEEDED, built, at(0)));
    await send(fact(BUILD_SUCCEEDED, buildSucceeded(family, '2026.11.27-2'), at(40)));
    await eventually(
      async () =>
        (await catalog.http('GET', `/v1/families/${family}/versions/2026.11.27-2`)).status === 200,
      30_000,
      'the next build',
    );
    expect(await copy(family, 'us-east-1')).toMatchObject({ state: 'deregistered' });
  });

  it('an older lifecycle change arriving after a newer one does not overwrite it', async () => {
    const family = await familyWithVersion();
    const east = (await copy(family, 'us-east-1')).imageId;
    const lifecycle = (state: 'available' | 'deprecated', minute: number) =>
      fact(
        IMAGE_LIFECYCLE_CHANGED,
        {
          family,
          version: V1,
          region: 'us-east-1',
          imageId: east,
          state,
          reason: `${state} at ${minute}`,
          at: at(minute).toISOString(),
        },
        at(minute),
      );
    // Re-enabled at 10:20 (a newer fact), then the deprecation of 10:10 comes in late.
    await send(lifecycle('available', 20), lifecycle('deprecated', 10));
    await settle(family, 'lifecycle');
    expect(await copy(family, 'us-east-1')).toMatchObject({
      state: 'available',
      stateReason: 'available at 20',
    });
  });

  it('older launch permissions arriving after newer ones do not overwrite them', async () => {
    const family = await familyWithVersion();
    const east = (await copy(family, 'us-east-1')).imageId;
    const applied = (accounts: string[], minute: number) =>
      fact(
        LAUNCH_PERMISSIONS_APPLIED,
        {
          family,
          version: V1,
          region: 'us-east-1',
          imageId: east,
          accounts,
          organizationArns: [],
          organizationalUnitArns: [],
          public: false,
          driftRepaired: false,
        },
        at(minute),
      );
    await send(applied(['222233334444'], 20), applied(['111122223333'], 10));
    await eventually(
      async () => (await copy(family, 'us-east-1')).launchPermissions !== null,
      30_000,
      'launch permissions',
    );
    // A later fact on the same topic and key shows the late one was taken or refused.
    const probe = uniqueName('probe');
    await send(
      fact(
        COPY_SUCCEEDED,
        { family, version: V1, region: probe, imageId: amiId(), snapshotIds: [] },
        new Date(),
      ),
      fact(
        LAUNCH_PERMISSIONS_APPLIED,
        {
          family,
          version: V1,
          region: probe,
          imageId: amiId(),
          accounts: [],
          organizationArns: [],
          organizationalUnitArns: [],
          public: false,
          driftRepaired: false,
        },
        new Date(),
      ),
    );
    await eventually(
      async () => (await copy(family, probe))?.launchPermissions != null,
      30_000,
      'the probe',
    );
    expect((await copy(family, 'us-east-1')).launchPermissions.accounts).toEqual(['222233334444']);
  });
});
