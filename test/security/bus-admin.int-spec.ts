import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  type Kafka,
  ResourcePatternTypes,
} from 'kafkajs';
import { Topics } from '@ami/contracts';
import { ADMIN_PRINCIPAL, allGrants } from '@ami/messaging';
import { testKafka, uniqueName } from '@ami/testing';

/** The broker's error names in a kafkajs error, its causes and aggregated errors. */
function refusal(error: unknown): string {
  const found = new Set<string>();
  const walk = (e: any) => {
    if (!e || typeof e !== 'object') return;
    if (typeof e.type === 'string') found.add(e.type);
    walk(e.originalError);
    walk(e.cause);
    for (const inner of e.errors ?? []) walk(inner);
  };
  walk(error);
  return found.size ? [...found].sort().join(',') : (error as Error).message;
}

async function outcome(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'ok';
  } catch (error) {
    return refusal(error);
  }
}

/**
 * Beyond the per-topic and per-group grants libs/messaging/test/bus-acls.int-spec.ts proves:
 * no principal but the super user administers the bus. Creating, deleting, growing or
 * reconfiguring topics, reading or writing ACLs, and looking into or deleting another
 * principal's consumer groups are all refused by the broker, and change nothing.
 */
describe('no service principal administers the bus (real broker, SASL + ACLs)', () => {
  const probe = uniqueName('acl-admin-probe');
  let superAdmin: ReturnType<Kafka['admin']>;
  beforeAll(async () => {
    superAdmin = testKafka('bus-admin-test', { principal: ADMIN_PRINCIPAL }).admin();
    await superAdmin.connect();
    await superAdmin.createTopics({
      topics: [{ topic: probe, numPartitions: 1 }],
      waitForLeaders: true,
    });
  });
  afterAll(async () => {
    await superAdmin.deleteTopics({ topics: [probe] }).catch(() => undefined);
    await superAdmin.disconnect();
  });

  const principals = allGrants().map((g) => g.principal);

  it.each(principals)(
    '%s cannot create, delete, grow or reconfigure a topic',
    async (principal) => {
      const admin = testKafka('bus-admin-test', { principal, retries: 0 }).admin();
      await admin.connect();
      const planted = uniqueName('planted');
      try {
        const outcomes = {
          create: await outcome(() => admin.createTopics({ topics: [{ topic: planted }] })),
          delete: await outcome(() => admin.deleteTopics({ topics: [probe], timeout: 5000 })),
          grow: await outcome(() =>
            admin.createPartitions({ topicPartitions: [{ topic: probe, count: 3 }] }),
          ),
          reconfigure: await outcome(() =>
            admin.alterConfigs({
              validateOnly: false,
              resources: [
                {
                  type: ConfigResourceTypes.TOPIC,
                  name: probe,
                  configEntries: [{ name: 'retention.ms', value: '1' }],
                },
              ],
            }),
          ),
        };
        expect(outcomes).toEqual({
          create: 'TOPIC_AUTHORIZATION_FAILED',
          delete: 'TOPIC_AUTHORIZATION_FAILED',
          grow: 'TOPIC_AUTHORIZATION_FAILED',
          reconfigure: 'TOPIC_AUTHORIZATION_FAILED',
        });
      } finally {
        await admin.disconnect();
      }
      const topics = await superAdmin.listTopics();
      expect(topics).not.toContain(planted);
      expect(topics).toContain(probe);
      const [meta] = (await superAdmin.fetchTopicMetadata({ topics: [probe] })).topics;
      expect(meta!.partitions).toHaveLength(1);
    },
  );

  it.each(principals)('%s can neither read nor write the ACLs', async (principal) => {
    const admin = testKafka('bus-admin-test', { principal, retries: 0 }).admin();
    await admin.connect();
    try {
      const describe = await outcome(() =>
        admin.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        }),
      );
      const grant = await outcome(() =>
        admin.createAcls({
          acl: [
            {
              resourceType: AclResourceTypes.TOPIC,
              resourceName: Topics.Builds,
              resourcePatternType: ResourcePatternTypes.LITERAL,
              principal: `User:${principal}`,
              host: '*',
              operation: AclOperationTypes.ALL,
              permissionType: AclPermissionTypes.ALLOW,
            },
          ],
        }),
      );
      expect({ describe, grant }).toEqual({
        describe: 'CLUSTER_AUTHORIZATION_FAILED',
        grant: 'CLUSTER_AUTHORIZATION_FAILED',
      });
    } finally {
      await admin.disconnect();
    }
  });

  it.each(principals)(
    '%s cannot look into or delete another principal’s consumer groups',
    async (principal) => {
      const others = allGrants().filter((g) => g.principal !== principal && g.groupPrefix);
      const admin = testKafka('bus-admin-test', { principal, retries: 1 }).admin();
      await admin.connect();
      const wrong: string[] = [];
      try {
        for (const other of others) {
          const group = uniqueName(`${other.groupPrefix}-probe`);
          // the super user, asking the same, is answered: a refusal below is the ACL, not the broker
          expect(await outcome(() => superAdmin.fetchOffsets({ groupId: group }))).toBe('ok');
          for (const [what, action] of [
            ['fetch offsets', () => admin.fetchOffsets({ groupId: group })],
            ['describe', () => admin.describeGroups([group])],
            ['delete', () => admin.deleteGroups([group])],
          ] as const) {
            const result = await outcome(action);
            // kafkajs words FindCoordinator's GROUP_AUTHORIZATION_FAILED as this (bus-acls.int-spec.ts)
            if (!/GROUP_AUTHORIZATION_FAILED|Failed to find group coordinator/.test(result))
              wrong.push(`${what} ${group}: ${result}`);
          }
        }
      } finally {
        await admin.disconnect();
      }
      expect(wrong).toEqual([]);
    },
  );

  it.each(
    allGrants()
      .filter((g) => g.groupPrefix)
      .map((g) => [g.principal, g.groupPrefix!]),
  )(
    '%s looks into its own groups (%s-*): the refusals above are about whose group it is',
    async (principal, prefix) => {
      const admin = testKafka('bus-admin-test', { principal, retries: 1 }).admin();
      await admin.connect();
      try {
        expect(
          await outcome(() => admin.fetchOffsets({ groupId: uniqueName(`${prefix}-own`) })),
        ).toBe('ok');
      } finally {
        await admin.disconnect();
      }
    },
  );
});
