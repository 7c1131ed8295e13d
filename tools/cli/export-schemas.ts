import { mkdirSync, writeFileSync } from 'node:fs';
import { familySpecJsonSchema, PUBLIC_TOPICS, topicJsonSchema } from '@ami/contracts';
import { renderBusConf } from '@ami/messaging';
import { renderEventCatalogue } from '../docs/event-catalogue.js';

/**
 * Writes libs/contracts/schemas/<topic>.schema.json for every public topic, the family spec's
 * schema, infra/kafka/bus.conf (the ACL table for the shell scripts) and docs/events.md (the
 * event catalogue).
 */
const dir = new URL('../../../libs/contracts/schemas/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const topic of PUBLIC_TOPICS) {
  writeFileSync(
    new URL(`${topic}.schema.json`, dir),
    `${JSON.stringify(topicJsonSchema(topic), null, 2)}\n`,
  );
  console.log(`wrote libs/contracts/schemas/${topic}.schema.json`);
}
writeFileSync(
  new URL('family-spec.schema.json', dir),
  `${JSON.stringify(familySpecJsonSchema(), null, 2)}\n`,
);
console.log('wrote libs/contracts/schemas/family-spec.schema.json');
writeFileSync(new URL('../../../infra/kafka/bus.conf', import.meta.url), renderBusConf());
console.log('wrote infra/kafka/bus.conf (users, topics and ACLs from the bus principal table)');
const repoRoot = new URL('../../../', import.meta.url);
writeFileSync(new URL('docs/events.md', repoRoot), renderEventCatalogue(repoRoot.pathname));
console.log(
  'wrote docs/events.md (topics, event types, payload schemas, examples, producers, consumers)',
);
