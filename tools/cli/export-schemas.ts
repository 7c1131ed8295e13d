import { mkdirSync, writeFileSync } from 'node:fs';
import { familySpecJsonSchema, PUBLIC_TOPICS, topicJsonSchema } from '@ami/contracts';

/** Writes libs/contracts/schemas/<topic>.schema.json for every public topic. */
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
