import { createKafka, replayDeadLetters } from '@ami/messaging';

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
const kafka = createKafka({
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
  clientId: 'ami-dlq-replay',
});
for (const topic of topics) {
  const result = await replayDeadLetters(kafka, topic);
  console.log(
    `${topic}.dlq: replayed ${result.replayed} (${JSON.stringify(result.byOriginalTopic)})`,
  );
}
