import type { Admin, Kafka } from 'kafkajs';
import { deadLetterTopic } from '@ami/contracts';

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
}

/**
 * Creates the topics a service uses, each with its dead-letter topic, if they do not exist.
 * Safe to call from every replica at start-up.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: string[],
  settings: TopicSettings,
): Promise<void> {
  const wanted = [
    ...new Set(topics.flatMap((t) => (t.endsWith('.dlq') ? [t] : [t, deadLetterTopic(t)]))),
  ];
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) await create(admin, missing, settings);
    await waitForLeaders(admin, wanted);
  } finally {
    await admin.disconnect();
  }
}

async function create(admin: Admin, missing: string[], settings: TopicSettings): Promise<void> {
  try {
    // kafkajs' own wait can fail on a brand-new broker ('does not host this topic-partition');
    // waitForLeaders below polls the metadata itself and tolerates that.
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: settings.partitions,
        replicationFactor: settings.replicationFactor,
      })),
    });
  } catch (error) {
    // Another replica may have created them between our list and create.
    if (!String((error as Error).message).includes('already exists')) throw error;
  }
}

/**
 * A service's start-up check: the topics it reads and writes exist (the bus set-up creates
 * them as the super user; services have no right to). Waits a while for a broker that is still
 * coming up, then fails naming the missing topics.
 */
export async function awaitTopics(kafka: Kafka, topics: string[], timeoutMs = 60_000) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitForLeaders(admin, topics, timeoutMs);
  } catch (error) {
    throw new Error(
      `Kafka topics missing or not visible to this principal (${(error as Error).message}); the bus set-up (npm run stack -- infra) creates them`,
      { cause: error },
    );
  } finally {
    await admin.disconnect();
  }
}

/** A new topic's metadata reaches every client a moment after creation; wait for it. */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
        return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline)
      throw new Error(`topics have no leader after ${timeoutMs} ms: ${topics.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
