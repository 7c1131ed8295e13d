import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  createEnvelope,
  digestOf,
  EventCatalog,
  FAMILY_SPEC_APPLIED,
  REBUILD_REQUESTED,
  Topics,
  validateFamilySpec,
} from '@ami/contracts';
import {
  collect,
  eventually,
  sourceFor,
  startServiceForTest,
  testKafka,
  uniqueName,
} from '@ami/testing';
import { BuilderModule } from '../builder.module.js';

describe('builder receives rebuild requests from Kafka (real broker, real database)', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await startServiceForTest(
      BuilderModule,
      { name: 'builder', schema: 'builder', consumeEvents: true },
      // no builds are run here; a request for an unknown family waits 2 s for its spec
      { BUILD_WORKER_ENABLED: 'false', REBUILD_SPEC_WAIT_S: '2', JANITOR_ENABLED: 'false' },
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  it('records a request produced with plain kafkajs, once, audits it, and rejects it for a family whose spec never comes', async () => {
    const kafka = testKafka();
    const audit = await collect(kafka, [Topics.Audit]);
    const family = uniqueName('web-base');
    const event = createEnvelope(
      REBUILD_REQUESTED,
      {
        family,
        reason: 'CVE-2026-0001 in openssl',
        requestedBy: 'ci:pipeline-42',
        idempotencyKey: 'ci-42',
      },
      { source: '/ci/pipeline-42' },
    );
    const producer = kafka.producer();
    await producer.connect();
    // Sent twice: Kafka may redeliver, the inbox must apply it once.
    await producer.send({
      topic: Topics.RebuildRequests,
      messages: [{ key: family, value: JSON.stringify(event) }],
    });
    await producer.send({
      topic: Topics.RebuildRequests,
      messages: [{ key: family, value: JSON.stringify(event) }],
    });
    await producer.disconnect();

    const db = app.get(DataSource);
    const rows = () =>
      db.query(
        'SELECT family, reason, requested_by, idempotency_key, event_id, outcome FROM builder.rebuild_requests WHERE family = $1',
        [family],
      );
    await eventually(
      async () => (await rows())[0]?.outcome === 'rejected',
      30_000,
      'the rebuild request rejected once its wait for the spec ran out',
    );
    const auditEvents = await audit.waitFor(
      (m) => m.filter((x) => x.message.key?.toString() === family).length >= 2,
    );
    await audit.stop();

    expect(await rows()).toEqual([
      {
        family,
        reason: 'CVE-2026-0001 in openssl',
        requested_by: 'ci:pipeline-42',
        idempotency_key: 'ci-42',
        event_id: event.id,
        outcome: 'rejected',
      },
    ]);
    const [received, rejected] = auditEvents
      .filter((x) => x.message.key?.toString() === family)
      .map((x) => JSON.parse(x.message.value!.toString()));
    expect(rejected.data).toMatchObject({ action: 'build.rejected', outcome: 'rejected' });
    expect(rejected.data.reason).toBe(
      `unknown family ${family}: apply its spec first (no spec arrived within 2 s)`,
    );
    expect(received).toMatchObject({
      type: 'ami.audit.recorded',
      source: '/ami/builder',
      correlationid: event.correlationid,
      causationid: event.id,
      data: {
        actor: 'ci:pipeline-42',
        action: 'rebuild.received',
        subject: { family },
        outcome: 'succeeded',
      },
    });
  });

  it('starts the build when the spec arrives after the request (the two travel on different topics)', async () => {
    const family = uniqueName('late-spec');
    const kafka = testKafka();
    const producer = kafka.producer();
    await producer.connect();
    const request = createEnvelope(
      REBUILD_REQUESTED,
      { family, reason: 'applied and requested at once', requestedBy: 'ci:pipeline-43' },
      { source: '/ci/pipeline-43' },
    );
    await producer.send({
      topic: Topics.RebuildRequests,
      messages: [{ key: family, value: JSON.stringify(request) }],
    });
    const db = app.get(DataSource);
    const row = async () =>
      (
        await db.query(
          'SELECT outcome, build_id FROM builder.rebuild_requests WHERE event_id = $1',
          [request.id],
        )
      )[0];
    await eventually(async () => (await row())?.outcome === 'awaiting-spec', 30_000, 'waiting');

    const spec = validateFamilySpec({
      name: family,
      owner: 'platform',
      source: { amiId: 'ami-0abc12345678' },
      build: { region: 'us-east-1' },
      distribution: { regions: ['us-east-1'] },
    });
    if (!spec.ok) throw new Error(JSON.stringify(spec.problems));
    const applied = createEnvelope(
      FAMILY_SPEC_APPLIED,
      { family, specVersion: 1, digest: digestOf(spec.spec), spec: spec.spec, appliedBy: 'test' },
      { source: sourceFor(FAMILY_SPEC_APPLIED) },
    );
    await producer.send({
      topic: EventCatalog[FAMILY_SPEC_APPLIED].topic,
      messages: [{ key: family, value: JSON.stringify(applied) }],
    });
    await producer.disconnect();
    await eventually(async () => (await row())?.outcome === 'build-started', 30_000, 'the build');
    const [build] = await db.query(
      'SELECT id, state, request_id FROM builder.builds WHERE family = $1',
      [family],
    );
    expect(build).toMatchObject({
      id: (await row()).build_id,
      state: 'queued',
      request_id: request.id,
    });
  });
});
