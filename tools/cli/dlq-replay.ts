import { createKafka, kafkaConnectionFromEnv, replayDeadLetters } from '@ami/messaging';

/**
 * npm run dlq:replay -- <topic> [<topic> ...]
 * Moves what is in each `<topic>.dlq` now back onto its original topic.
 */
const topics = process.argv.slice(2);
if (topics.length === 0) {
  console.error(
    'usage: npm run dlq:replay -- <topic> [<topic> ...]   e.g. ami.rebuild-requests.v1',
  );
  process.exit(2);
}
// It writes back to the original topics, which only their owners (and the super user) may:
// run it with the super user's KAFKA_SASL_USERNAME/PASSWORD (`eval "$(npm run -s stack -- env)"`).
const kafka = createKafka(kafkaConnectionFromEnv('ami-dlq-replay'));
for (const topic of topics) {
  const result = await replayDeadLetters(kafka, topic);
  console.log(
    `${topic}.dlq: replayed ${result.replayed} (${JSON.stringify(result.byOriginalTopic)})`,
  );
}
