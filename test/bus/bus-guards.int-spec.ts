import { CloudEvent, Kafka as CloudEventsKafka } from 'cloudevents';
import type { IHeaders } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  BUILD_SUCCEEDED,
  createEnvelope,
  deadLetterTopic,
  REBUILD_REQUESTED,
  Topics,
} from '@ami/contracts';
import { DLQ_HEADERS, headerValue, PRODUCER_PRINCIPAL } from '@ami/messaging';
import { collect, eventually, testKafka, uniqueName } from '@ami/testing';
import { startCatalog, CatalogHarness } from '../../apps/catalog/test/catalog-harness.js';
import {
  BuilderHarness,
  familySpec,
  startBuilder,
} from '../../apps/builder/test/builder-harness.js';

/** A CloudEvents SDK Kafka message as kafkajs sends it (headers as strings, data as JSON). */
function asKafkajs(message: { key: unknown; value: unknown; headers: Record<string, unknown> }) {
  return {
    key: message.key ? String(message.key) : null,
    // Binary mode hands the data over as it is: the Kafka client serialises it (JSON here).
    value:
      typeof message.value === 'string' || Buffer.isBuffer(message.value)
        ? message.value
        : JSON.stringify(message.value),
    headers: Object.fromEntries(
      // The SDK leaves an absent content-type as an undefined header: not sent.
      Object.entries(message.headers)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    ) as IHeaders,
  };
}

describe('spoofed facts change nothing in the catalog (SASL, ACLs, source guard)', () => {
  let catalog: CatalogHarness;
  beforeAll(async () => {
    catalog = await startCatalog();
  });
  afterAll(async () => {
    await catalog?.close();
  });

  const succeeded = (family: string) => ({
    buildId: crypto.randomUUID(),
    family,
    version: '2026.11.27-1',
    specVersion: 1,
    recipeDigest: 'sha256:spoof',
    source: { imageId: 'ami-0abc', region: 'us-east-1', description: 'base', parent: null },
    image: { region: 'us-east-1', imageId: 'ami-0deadbeef', name: `${family}-x`, snapshotIds: [] },
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
  });
  const traces = async (family: string) => {
    const db = catalog.app.get(DataSource);
    const versions = await db.query('SELECT 1 FROM catalog.image_versions WHERE family = $1', [
      family,
    ]);
    const orphans = await db
      .query(`SELECT 1 FROM catalog.orphan_events WHERE payload::text LIKE '%' || $1 || '%'`, [
        family,
      ])
      .catch(() => []);
    return versions.length + orphans.length;
  };

  it('refuses build.succeeded from the producer principal at the broker', async () => {
    const family = uniqueName('spoof-acl');
    const producer = testKafka('spoofer', { principal: PRODUCER_PRINCIPAL, retries: 0 }).producer();
    await producer.connect();
    const event = createEnvelope(BUILD_SUCCEEDED, succeeded(family), { source: '/ami/builder' });
    await expect(
      producer.send({
        topic: Topics.Builds,
        messages: [{ key: family, value: JSON.stringify(event) }],
      }),
    ).rejects.toThrow(/Not authorized to access topics/);
    await producer.disconnect();
  });

  it('dead-letters build.succeeded with a source other than the builder, and applies the genuine one', async () => {
    const spoofed = uniqueName('spoof-src');
    const genuine = uniqueName('genuine');
    const dlq = await collect(testKafka(), [deadLetterTopic(Topics.Builds)]);
    const producer = testKafka('spoofer').producer(); // the super user: past every ACL
    await producer.connect();
    const spoof = createEnvelope(BUILD_SUCCEEDED, succeeded(spoofed), { source: '/ci/evil' });
    const real = createEnvelope(BUILD_SUCCEEDED, succeeded(genuine), { source: '/ami/builder' });
    await producer.send({
      topic: Topics.Builds,
      messages: [
        { key: spoofed, value: JSON.stringify(spoof) },
        { key: genuine, value: JSON.stringify(real) },
      ],
    });
    await producer.disconnect();
    const [letter] = await dlq.waitFor((m) => m.some((x) => x.message.key?.toString() === spoofed));
    await dlq.stop();
    await eventually(async () => (await traces(genuine)) > 0, 30_000, 'the genuine event applied');

    expect(await traces(spoofed)).toBe(0);
    const mine = dlq.messages.find((x) => x.message.key?.toString() === spoofed) ?? letter;
    expect(headerValue(mine.message.headers, DLQ_HEADERS.kind)).toBe('wrong-source');
    expect(headerValue(mine.message.headers, DLQ_HEADERS.reason)).toBe(
      'source "/ci/evil" may not publish on ami.builder.builds.v1: only /ami/builder does',
    );
    const resolve = await catalog.http(
      'GET',
      `/v1/families/${spoofed}/resolve?channel=dev&region=us-east-1`,
      { role: 'reader' },
    );
    expect(resolve.status).toBeGreaterThanOrEqual(400);
    expect(resolve.status).toBeLessThan(500);
  });
});

describe('CloudEvents from a client nobody here wrote start builds (cloudevents SDK, ami-producer)', () => {
  let builder: BuilderHarness;
  beforeAll(async () => {
    builder = await startBuilder();
  });
  afterAll(async () => {
    await builder?.close();
  });

  const outcome = async (family: string) =>
    (
      await builder.db.query('SELECT outcome FROM builder.rebuild_requests WHERE family = $1', [
        family,
      ])
    )[0]?.outcome;

  it.each(['structured', 'binary'] as const)(
    'accepts a %s-mode rebuild request with only the required attributes',
    async (mode) => {
      const family = uniqueName(`ce-${mode}`);
      await builder.applySpec(familySpec(family));
      const event = new CloudEvent({
        specversion: '1.0',
        id: uniqueName('ci-run'),
        source: '/ci/pipeline-9',
        type: REBUILD_REQUESTED,
        data: { family, reason: `CVE-2026-7 (${mode})`, requestedBy: 'ci:pipeline-9' },
        partitionkey: family,
      } as any);
      const message =
        mode === 'binary' ? CloudEventsKafka.binary(event) : CloudEventsKafka.structured(event);
      const producer = testKafka('ci', { principal: PRODUCER_PRINCIPAL }).producer();
      await producer.connect();
      await producer.send({ topic: Topics.RebuildRequests, messages: [asKafkajs(message as any)] });
      await producer.disconnect();
      await eventually(async () => (await outcome(family)) !== undefined, 30_000, 'the request');
      expect(await outcome(family)).toBe('build-started');
      expect((await builder.builds(family)).length).toBe(1);
    },
  );

  it('accepts a plain JSON CloudEvent without time, subject, datacontenttype or correlationid', async () => {
    const family = uniqueName('ce-minimal');
    await builder.applySpec(familySpec(family));
    const producer = testKafka('ci', { principal: PRODUCER_PRINCIPAL }).producer();
    await producer.connect();
    await producer.send({
      topic: Topics.RebuildRequests,
      messages: [
        {
          key: family,
          value: JSON.stringify({
            specversion: '1.0',
            id: uniqueName('kcat'),
            source: '/ci/kcat',
            type: REBUILD_REQUESTED,
            data: { family, reason: 'weekly', requestedBy: 'ci:kcat' },
          }),
        },
      ],
    });
    await producer.disconnect();
    await eventually(async () => (await outcome(family)) !== undefined, 30_000, 'the request');
    expect(await outcome(family)).toBe('build-started');
  });
});
