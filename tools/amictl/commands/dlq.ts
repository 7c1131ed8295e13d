import type { Command } from 'commander';
import { createKafka, kafkaConnectionFromEnv, replayDeadLetters } from '@ami/messaging';
import { positiveInt, type Cli } from '../cli.js';
import {
  ALL_DEAD_LETTER_TOPICS,
  busError,
  dlqOf,
  originalOf,
  readDeadLetters,
} from '../dlq-reader.js';
import { CliError, EXIT } from '../errors.js';
import { table, when } from '../output.js';

/** `amictl dlq …`: what the services could not deliver to their handlers, and replaying it. */
export function registerDlq(program: Command, cli: () => Cli): void {
  const dlq = program
    .command('dlq')
    .description('dead letters: messages a service could not apply, and why; replay them');

  dlq
    .command('list')
    .description('the newest dead letters of one .dlq topic or all (as ami-ops): why, which event')
    .option('--topic <topic>', 'only this topic (with or without .dlq)')
    .option('--limit <n>', 'dead letters to show', positiveInt, 20)
    .action(async (opts) => {
      const c = cli();
      const topics = opts.topic ? [dlqOf(opts.topic)] : ALL_DEAD_LETTER_TOPICS;
      const all = await readDeadLetters(c.api.env, topics, opts.limit);
      all.sort((a, b) => a.time.localeCompare(b.time));
      const shown = all.slice(-opts.limit);
      c.emit(shown, (letters) =>
        c.lines(
          table(
            ['topic', 'offset', 'failed', 'kind', 'event', 'id', 'replays', 'reason'],
            letters.map((l) => [
              l.dlq,
              `${l.partition}/${l.offset}`,
              when(l.time),
              l.kind,
              l.eventType,
              l.eventId,
              l.replays,
              l.reason,
            ]),
          ),
        ),
      );
    });

  dlq
    .command('replay <topic...>')
    .description(
      "put what is in each <topic>.dlq now back on its topic (the bus's super user, as npm run dlq:replay)",
    )
    .action(async (topics: string[]) => {
      const c = cli();
      let connection;
      try {
        connection = kafkaConnectionFromEnv('amictl-dlq-replay', c.api.env as NodeJS.ProcessEnv);
      } catch (error) {
        throw new CliError(
          `replaying writes back to the original topics, which needs the bus's super user: ${(error as Error).message}`,
          EXIT.unauthorised,
        );
      }
      const kafka = createKafka(connection);
      const results = [];
      for (const topic of topics.map(originalOf)) {
        const result = await replayDeadLetters(kafka, topic).catch((error: Error) => {
          throw busError(error, dlqOf(topic));
        });
        results.push({ topic: dlqOf(topic), ...result });
      }
      c.emit(results, (all) =>
        c.lines(
          all.map(
            (r) =>
              `${r.topic}: replayed ${r.replayed}${
                r.replayed
                  ? ` (${Object.entries(r.byOriginalTopic)
                      .map(([t, n]) => `${n} to ${t}`)
                      .join(', ')})`
                  : ''
              }`,
          ),
        ),
      );
    });
}
