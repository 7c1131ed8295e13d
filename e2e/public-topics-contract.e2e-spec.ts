import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { mintToken } from '@ami/auth';
import { PUBLIC_TOPICS, Topics } from '@ami/contracts';
import {
  collect,
  LOCAL_AUTH_SECRET,
  ServiceProcess,
  startServiceProcess,
  testKafka,
  uniqueName,
  waitReady,
} from '@ami/testing';

/** The published JSON Schema of a public topic, as consumers outside the platform read it. */
const published = (topic: string) =>
  JSON.parse(
    readFileSync(
      new URL(`../libs/contracts/schemas/${topic}.schema.json`, import.meta.url),
      'utf8',
    ),
  );

/**
 * The public topics' contract, checked on real traffic: a journey across the catalog and the
 * builder (a spec applied, a rebuild requested, the builder taking the request), and every
 * message it put on ami.rebuild-requests.v1 and ami.audit.v1 must validate against the JSON
 * Schema published in libs/contracts/schemas, `format` keywords included (ajv-formats).
 */
describe('messages on the public topics match their published JSON Schemas', () => {
  const services: ServiceProcess[] = [];
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  it('validates every rebuild request and audit event of a journey', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validators = new Map(PUBLIC_TOPICS.map((t) => [t, ajv.compile(published(t))]));

    const collector = await collect(testKafka('public-topics-contract'), [...PUBLIC_TOPICS]);
    try {
      const catalog = await startServiceProcess('catalog');
      const builder = await startServiceProcess('builder', { BUILD_WORKER_ENABLED: 'false' });
      services.push(catalog, builder);
      await Promise.all([waitReady(catalog), waitReady(builder)]);
      const token = await mintToken({
        subject: 'contract-e2e',
        roles: ['admin'],
        secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
        expiresIn: 600,
      });
      const post = async (path: string, body: unknown) => {
        const res = await fetch(`${catalog.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return res.status;
      };

      const family = uniqueName('contract');
      expect(
        await post('/v1/specs', {
          name: family,
          owner: 'contract-e2e',
          source: { amiId: 'ami-0abc12345678' },
          build: { region: 'us-east-1' },
          distribution: { regions: ['us-east-1'] },
        }),
      ).toBe(201);
      expect(
        await post(`/v1/families/${family}/rebuilds`, {
          reason: 'contract check',
          idempotencyKey: `${family}-1`,
        }),
      ).toBe(202);

      const ours = () =>
        collector.messages
          .map((m) => ({ topic: m.topic, key: m.message.key?.toString(), value: m.message.value }))
          .filter((m) => m.key === family)
          .map((m) => ({ topic: m.topic, event: JSON.parse(m.value!.toString('utf8')) }));
      const sources = (topic: string) =>
        new Set(
          ours()
            .filter((m) => m.topic === topic)
            .map((m) => m.event.source),
        );
      // The catalog audits the spec and the request; the builder audits taking the request.
      await collector.waitFor(
        () => sources(Topics.RebuildRequests).size >= 1 && sources(Topics.Audit).size >= 2,
        60_000,
      );

      const messages = ours();
      expect(messages.length).toBeGreaterThanOrEqual(3);
      const invalid = messages.flatMap(({ topic, event }) => {
        const validate = validators.get(topic as (typeof PUBLIC_TOPICS)[number])!;
        return validate(event)
          ? []
          : [{ topic, type: event.type, errors: ajv.errorsText(validate.errors) }];
      });
      expect(invalid).toEqual([]);
    } finally {
      await collector.stop();
    }
  });
});
