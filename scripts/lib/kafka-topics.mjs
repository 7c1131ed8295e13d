// The bus's topics, created (or brought in line) as the super user by scripts/lib/kafka.sh:
// KAFKA_BUS_TOPICS (from infra/kafka/bus.conf), KAFKA_TOPIC_PARTITIONS, and retention:
// ami.audit.v1 keeps KAFKA_AUDIT_RETENTION_MS (-1 = forever), the others KAFKA_TOPIC_RETENTION_MS.
// Services cannot create topics (their ACLs do not allow it); they only check theirs exist.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Kafka, logLevel, ConfigResourceTypes } = require('kafkajs');

const env = process.env;
const topics = (env.KAFKA_BUS_TOPICS ?? '').split(/\s+/).filter(Boolean);
if (topics.length === 0) throw new Error('KAFKA_BUS_TOPICS is empty');
const retentionOf = (topic) =>
  topic === 'ami.audit.v1' ? env.KAFKA_AUDIT_RETENTION_MS : env.KAFKA_TOPIC_RETENTION_MS;

const kafka = new Kafka({
  clientId: 'stack-bus-setup',
  brokers: env.KAFKA_BROKERS.split(','),
  sasl: { mechanism: 'scram-sha-512', username: 'ami-admin', password: env.KAFKA_ADMIN_PASSWORD },
  ssl: env.KAFKA_SECURITY_PROTOCOL === 'SASL_SSL',
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
await admin.connect();
try {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: Number(env.KAFKA_TOPIC_PARTITIONS ?? 6),
        replicationFactor: 1,
        configEntries: [{ name: 'retention.ms', value: String(retentionOf(topic)) }],
      })),
    });
    console.error(`created ${missing.length} topics`);
  }
  // Topics made by an older stack (or with other settings) get this retention too.
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] })),
  });
  const wrong = described.resources.filter(
    (r) => r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue !== String(retentionOf(r.resourceName)),
  );
  if (wrong.length > 0) {
    await admin.alterConfigs({
      resources: wrong.map((r) => ({
        type: ConfigResourceTypes.TOPIC,
        name: r.resourceName,
        configEntries: [{ name: 'retention.ms', value: String(retentionOf(r.resourceName)) }],
      })),
    });
    console.error(`set retention.ms on ${wrong.map((r) => r.resourceName).join(', ')}`);
  }
} finally {
  await admin.disconnect();
}
