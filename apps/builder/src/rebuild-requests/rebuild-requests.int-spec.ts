import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createEnvelope, REBUILD_REQUESTED, Topics } from '@ami/contracts';
import { collect, eventually, startServiceForTest, testKafka, uniqueName } from '@ami/testing';
import { BuilderModule } from '../builder.module.js';

describe('builder receives rebuild requests from Kafka (real broker, real database)', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await startServiceForTest(BuilderModule, {
      name: 'builder',
      schema: 'builder',
      consumeEvents: true,
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('records a request produced with plain kafkajs, once, audits it, and rejects it for an unknown family', async () => {
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
    await eventually(async () => (await rows()).length > 0, 30_000, 'the rebuild request row');
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
    expect(rejected.data).toMatchObject({
      action: 'build.rejected',
      outcome: 'rejected',
      reason: `unknown family ${family}: apply its spec first`,
    });
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
});
