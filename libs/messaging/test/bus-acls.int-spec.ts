import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  ResourcePatternTypes,
} from 'kafkajs';
import { Topics } from '@ami/contracts';
import {
  ADMIN_PRINCIPAL,
  allBusTopics,
  allGrants,
  OPS_PRINCIPAL,
  PRODUCER_PRINCIPAL,
} from '@ami/messaging';
import { testKafka, uniqueName } from '@ami/testing';

/** The broker's refusal, by its Kafka error name (kafkajs words some of them as messages). */
function refusal(error: unknown): string {
  for (let e = error as any; e; e = e.originalError ?? e.cause) if (e.type) return e.type;
  const { message } = error as Error;
  if (/Not authorized to access topics/.test(message)) return 'TOPIC_AUTHORIZATION_FAILED';
  if (/Not authorized to access group/i.test(message)) return 'GROUP_AUTHORIZATION_FAILED';
  // kafkajs reports FindCoordinator's GROUP_AUTHORIZATION_FAILED only as this, after retries
  // (the same principal's own group, right beside it, finds its coordinator at once).
  if (/Failed to find group coordinator/.test(message)) return 'GROUP_AUTHORIZATION_FAILED';
  return message;
}

const names = (o: object) => new Map(Object.entries(o).map(([k, v]) => [v as number, k]));

/** Tries one write; resolves to 'ok' or the broker's error type. */
async function tryWrite(kafka: Kafka, topic: string): Promise<string> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'acl-probe', value: JSON.stringify({ probe: 'acl' }) }],
    });
    return 'ok';
  } catch (error) {
    return refusal(error);
  } finally {
    await producer.disconnect();
  }
}

/** Joins `group` on `topics` and fetches; resolves to 'ok' or why the broker refused. */
async function tryRead(kafka: Kafka, group: string, topics: string[]): Promise<string> {
  const consumer = kafka.consumer({
    groupId: group,
    sessionTimeout: 10_000,
    retry: { retries: 0 },
  });
  await consumer.connect();
  try {
    const outcome = new Promise<string>((resolve) => {
      consumer.on(consumer.events.FETCH, () => resolve('ok'));
      consumer.on(consumer.events.CRASH, (e) => resolve(refusal(e.payload.error)));
    });
    await consumer.subscribe({ topics, fromBeginning: false });
    await consumer.run({ eachMessage: async () => undefined });
    return await outcome;
  } catch (error) {
    return refusal(error);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

describe('the bus with SASL/SCRAM and ACLs (real broker)', () => {
  it('refuses a client without the right password', async () => {
    const kafka = testKafka('acl-test', {
      principal: PRODUCER_PRINCIPAL,
      password: 'wrong',
      retries: 0,
    });
    const admin = kafka.admin();
    await expect(admin.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
  });

  it('the producer cannot write ami.builder.builds.v1, only rebuild requests', async () => {
    const kafka = testKafka('acl-test', { principal: PRODUCER_PRINCIPAL, retries: 0 });
    expect(await tryWrite(kafka, Topics.Builds)).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(await tryWrite(kafka, Topics.RebuildRequests)).toBe('ok');
  });

  it('ops cannot write anything, and reads the audit topic and dead letters in its own groups', async () => {
    const kafka = testKafka('acl-test', { principal: OPS_PRINCIPAL, retries: 0 });
    for (const topic of allBusTopics())
      expect([topic, await tryWrite(kafka, topic)]).toEqual([topic, 'TOPIC_AUTHORIZATION_FAILED']);
    expect(await tryRead(kafka, uniqueName('ami-ops-siem'), [Topics.Audit])).toBe('ok');
    expect(await tryRead(kafka, uniqueName('ami-ops-x'), [Topics.Builds])).toBe(
      'TOPIC_AUTHORIZATION_FAILED',
    );
  });

  it('lets every principal write exactly the topics of the table, and no other', async () => {
    const refused: string[] = [];
    const allowedButFailed: string[] = [];
    for (const grants of allGrants()) {
      const kafka = testKafka('acl-test', { principal: grants.principal, retries: 0 });
      for (const topic of allBusTopics()) {
        const outcome = await tryWrite(kafka, topic);
        const allowed = grants.write.includes(topic);
        if (allowed && outcome !== 'ok')
          allowedButFailed.push(`${grants.principal} ${topic}: ${outcome}`);
        if (!allowed && outcome !== 'TOPIC_AUTHORIZATION_FAILED')
          refused.push(`${grants.principal} ${topic}: ${outcome}`);
      }
    }
    expect(allowedButFailed).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('lets each service read what it consumes in its own groups, and not in another service’s', async () => {
    for (const grants of allGrants().filter((g) => g.read.length > 0)) {
      const kafka = testKafka('acl-test', { principal: grants.principal, retries: 0 });
      expect([
        grants.principal,
        await tryRead(kafka, uniqueName(`${grants.groupPrefix}-acl`), grants.read),
      ]).toEqual([grants.principal, 'ok']);
    }
    const catalog = testKafka('acl-test', { principal: 'ami-catalog', retries: 0 });
    expect(await tryRead(catalog, uniqueName('builder-stolen'), [Topics.Builds])).toBe(
      'GROUP_AUTHORIZATION_FAILED',
    );
    expect(await tryRead(catalog, uniqueName('catalog-acl'), [Topics.RebuildRequests])).toBe(
      'TOPIC_AUTHORIZATION_FAILED',
    );
  });

  it('holds exactly the ACLs of the table, nothing more', async () => {
    const admin = testKafka('acl-test', { principal: ADMIN_PRINCIPAL }).admin();
    await admin.connect();
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    await admin.disconnect();
    const [op, perm, type, pattern] = [
      names(AclOperationTypes),
      names(AclPermissionTypes),
      names(AclResourceTypes),
      names(ResourcePatternTypes),
    ];
    const actual = resources
      .flatMap((r) =>
        r.acls.map(
          (a) =>
            `${a.principal} ${op.get(a.operation)} ${perm.get(a.permissionType)} ${type.get(r.resourceType)} ${pattern.get(r.resourcePatternType)} ${r.resourceName}`,
        ),
      )
      .sort();
    const expected = allGrants()
      .flatMap((g) => [
        ...g.write.flatMap((t) =>
          ['WRITE', 'DESCRIBE'].map((op) => `User:${g.principal} ${op} ALLOW TOPIC LITERAL ${t}`),
        ),
        ...g.read.flatMap((t) =>
          ['READ', 'DESCRIBE'].map((op) => `User:${g.principal} ${op} ALLOW TOPIC LITERAL ${t}`),
        ),
        ...(g.groupPrefix
          ? ['READ', 'DESCRIBE'].map(
              (op) => `User:${g.principal} ${op} ALLOW GROUP PREFIXED ${g.groupPrefix}`,
            )
          : []),
      ])
      .sort();
    expect([...new Set(actual)]).toEqual([...new Set(expected)]);
  });
});
