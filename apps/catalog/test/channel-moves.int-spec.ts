import { BUILD_SUCCEEDED, CHANNEL_MOVED, Topics } from '@ami/contracts';
import { collect, eventually, testKafka, uniqueName } from '@ami/testing';
import { CatalogHarness, startCatalog } from './catalog-harness.js';
import { baseSpec, buildSucceeded } from './fixtures.js';

/**
 * Consumers that keep their own copy of a channel (the builder does, for child families) order
 * moves by the sequence each channel.moved carries: it must grow with every move of a channel.
 */
describe('channel moves carry their place in the channel history (real Kafka, PostgreSQL)', () => {
  let catalog: CatalogHarness;
  beforeAll(async () => {
    catalog = await startCatalog();
  });
  afterAll(async () => {
    await catalog?.close();
  });

  it('each promote and rollback publishes a larger sequence than the move before it', async () => {
    const family = uniqueName('moves');
    expect((await catalog.http('POST', '/v1/specs', { body: baseSpec(family) })).status).toBe(201);
    for (const version of ['2026.11.27-1', '2026.11.27-2'])
      await catalog.publish(BUILD_SUCCEEDED, buildSucceeded(family, version), family);
    await eventually(
      async () =>
        (await catalog.http('GET', `/v1/families/${family}/versions/2026.11.27-2`)).status === 200,
      30_000,
      'both versions',
    );
    const moves = await collect(testKafka('channel-moves-test'), [Topics.CatalogVersions]);
    try {
      const promote = (version: string) =>
        catalog.http('POST', `/v1/families/${family}/channels/prod/promote`, {
          role: 'operator',
          body: { version, force: true },
        });
      await promote('2026.11.27-1');
      await promote('2026.11.27-2');
      await catalog.http('POST', `/v1/families/${family}/channels/prod/rollback`, {
        role: 'operator',
        body: {},
      });
      const ours = (all: typeof moves.messages) =>
        all
          .map((m) => JSON.parse(m.message.value!.toString()))
          .filter((e) => e.type === CHANNEL_MOVED && e.data.family === family);
      const events = ours(await moves.waitFor((all) => ours(all).length === 3));
      expect(events.map((e) => e.data.version)).toEqual([
        '2026.11.27-1',
        '2026.11.27-2',
        '2026.11.27-1',
      ]);
      const sequences = events.map((e) => e.data.sequence);
      expect(sequences.every((s) => Number.isInteger(s))).toBe(true);
      expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
      expect(new Set(sequences).size).toBe(3);
    } finally {
      await moves.stop();
    }
  });
});
