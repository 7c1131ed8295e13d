import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  ALL_TOPICS,
  deadLetterTopic,
  EventCatalog,
  eventTypesOn,
  familySpecSchema,
  PUBLIC_TOPICS,
  Topics,
  type EventType,
} from '@ami/contracts';
import {
  ADMIN_PRINCIPAL,
  allGrants,
  BUS_SERVICES,
  busPrincipalOf,
  eventSourceOf,
  SERVICE_BUS_RIGHTS,
  type BusService,
} from '@ami/messaging';
import { examplePayload } from './example-payload.js';

/**
 * docs/events.md, generated from libs/contracts (topics, the event catalogue, each payload's
 * zod schema and the doc comments beside them) and the bus principal table
 * (libs/messaging/src/bus/bus-principals.ts). `npm run schemas` writes it; a unit test fails
 * when the file and the contracts disagree.
 */

/** The doc comment before each `Name: 'value'` or `export const NAME = 'value'`, by value. */
function docComments(file: string): Map<string, string> {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.ES2022,
    true,
  );
  const found = new Map<string, string>();
  const text = (node: ts.Node) =>
    ts
      .getJSDocCommentsAndTags(node)
      .map((d) => (typeof d.comment === 'string' ? d.comment : ''))
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && ts.isStringLiteral(node.initializer))
      found.set(node.initializer.text, text(node));
    if (ts.isVariableStatement(node))
      for (const d of node.declarationList.declarations)
        if (d.initializer && ts.isStringLiteral(d.initializer))
          found.set(d.initializer.text, text(node));
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Per event type: its doc comment, and the doc comments of the fields in its file. */
function eventDescriptions(
  root: string,
): Map<string, { text: string; fields: Map<string, string> }> {
  const dir = join(root, 'libs/contracts/src/events');
  const all = new Map<string, { text: string; fields: Map<string, string> }>();
  for (const folder of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()))
    for (const file of readdirSync(join(dir, folder.name)).filter((f) => f.endsWith('.event.ts'))) {
      const path = join(dir, folder.name, file);
      const fields = fieldComments(path);
      for (const [k, v] of docComments(path)) all.set(k, { text: v, fields });
    }
  return all;
}

/** name -> the doc comment of the first property of that name with one. */
function fieldComments(file: string): Map<string, string> {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.ES2022,
    true,
  );
  const found = new Map<string, string>();
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && !found.has(node.name.text)) {
      const text = ts
        .getJSDocCommentsAndTags(node)
        .map((d) => (typeof d.comment === 'string' ? d.comment : ''))
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim();
      if (text) found.set(node.name.text, text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export function payloadJsonSchema(type: EventType): Record<string, any> {
  return z.toJSONSchema(EventCatalog[type].schema as z.ZodType, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, any>;
}

/** An example payload for the event type; its zod schema accepts it (the spec checks). */
export function exampleOf(type: EventType, root: string): unknown {
  const example = examplePayload(payloadJsonSchema(type)) as Record<string, unknown>;
  if (type === 'ami.family-spec.applied') {
    // a whole spec: the example family's, as the catalog stores it
    const text = readFileSync(join(root, 'examples/families/web-base.yaml'), 'utf8');
    return { ...example, spec: familySpecSchema.parse(parse(text)) };
  }
  return example;
}

const SERVICE_NAMES = (services: readonly BusService[]) =>
  services.map((s) => `${s} (\`${busPrincipalOf(s)}\`)`);

function producersOf(topic: string): string[] {
  if (topic === Topics.Audit) return ['every service (its outbox)'];
  if (topic === Topics.Diagnostics)
    return [`event-path probes (benchmarks, \`${ADMIN_PRINCIPAL}\`)`];
  const owners = BUS_SERVICES.filter((s) =>
    (SERVICE_BUS_RIGHTS[s].publishes as string[]).includes(topic),
  );
  const requesters =
    topic === Topics.RebuildRequests
      ? BUS_SERVICES.filter((s) => SERVICE_BUS_RIGHTS[s].requestsRebuilds)
      : [];
  const others = allGrants()
    .filter((g) => !BUS_SERVICES.some((s) => busPrincipalOf(s) === g.principal))
    .filter((g) => g.write.includes(topic))
    .map((g) => `\`${g.principal}\``);
  return [...SERVICE_NAMES([...owners, ...requesters]), ...others];
}

function consumersOf(topic: string): string[] {
  const services = BUS_SERVICES.filter((s) =>
    (SERVICE_BUS_RIGHTS[s].consumes as string[]).includes(topic),
  );
  const others = allGrants()
    .filter((g) => !BUS_SERVICES.some((s) => busPrincipalOf(s) === g.principal))
    .filter((g) => g.read.includes(topic))
    .map((g) => `\`${g.principal}\``);
  const named = [...services.map((s) => `${s} (group \`${s}\`)`), ...others];
  return named.length > 0 ? named : ['none (no service acts on it)'];
}

function typeName(schema: Record<string, any>): string {
  if ('const' in schema) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((v: unknown) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  const choice = schema.anyOf ?? schema.oneOf;
  if (choice) return choice.map(typeName).join(' \\| ');
  if (schema.type === 'array') return `${typeName(schema.items ?? {})}[]`;
  if (schema.type === 'string' && schema.format) return `string (${schema.format})`;
  if (schema.type === 'string' && schema.pattern) return `string \`${schema.pattern}\``;
  if (Array.isArray(schema.type)) return schema.type.join(' \\| ');
  if (schema.type === 'object' && schema.additionalProperties && !schema.properties)
    return `map of ${typeName(schema.additionalProperties === true ? {} : schema.additionalProperties)}`;
  return String(schema.type ?? 'any');
}

function fieldsTable(schema: Record<string, any>, docs: Map<string, string>): string[] {
  const required = new Set<string>(schema.required ?? []);
  const rows = Object.entries<Record<string, any>>(schema.properties ?? {}).map(
    ([name, p]) =>
      `| \`${name}\` | ${typeName(p).replace(/\|(?! )/g, '\\|')} | ${required.has(name) ? 'yes' : 'no'} | ${(p.description ?? docs.get(name) ?? '').replace(/\n/g, ' ').replace(/\|/g, '\\|')} |`,
  );
  return ['| field | type | required | meaning |', '| --- | --- | --- | --- |', ...rows];
}

/** The catalogue for the repository at `root` (its sources hold the doc comments). */
export function renderEventCatalogue(root: string): string {
  const topicDocs = docComments(join(root, 'libs/contracts/src/topics.ts'));
  const eventDocs = eventDescriptions(root);
  const out: string[] = [
    '# Event catalogue',
    '',
    '<!-- Generated by `npm run schemas` (tools/docs/event-catalogue.ts) from libs/contracts and',
    '     libs/messaging/src/bus/bus-principals.ts. Do not edit: a unit test fails when it is out of step. -->',
    '',
    'Every message is a CloudEvents 1.0 envelope (`specversion`, `id`, `source`, `type`, `time`,',
    '`subject`, `data`; extensions `correlationid`, `causationid`), keyed by image family, in',
    `structured or binary mode. \`source\` is the producing service (\`${eventSourceOf('<service>')}\`).`,
    'Topic names are versioned: a breaking payload change gets a new topic (`….v2`) beside the old one.',
    `Undeliverable messages go to \`<topic>.dlq\` with headers saying why (\`npm run dlq:replay -- <topic>\`).`,
    `Public topics (${PUBLIC_TOPICS.map((t) => `\`${t}\``).join(', ')}) also have JSON Schema files in \`libs/contracts/schemas/\`.`,
    '',
    '| topic | event types | produced by | consumed by |',
    '| --- | --- | --- | --- |',
    ...ALL_TOPICS.map(
      (t) =>
        `| [\`${t}\`](#${anchor(t)}) | ${eventTypesOn(t).length} | ${producersOf(t).join(', ')} | ${consumersOf(t).join(', ')} |`,
    ),
    '',
  ];
  for (const topic of ALL_TOPICS) {
    out.push(`## ${topic}`, '');
    if (topicDocs.get(topic)) out.push(topicDocs.get(topic)!, '');
    out.push(
      `- produced by: ${producersOf(topic).join(', ')}`,
      `- consumed by: ${consumersOf(topic).join(', ')}`,
      `- dead letters: \`${deadLetterTopic(topic)}\` (read by \`ami-ops\`)`,
      '',
    );
    for (const type of eventTypesOn(topic)) {
      const schema = payloadJsonSchema(type);
      out.push(`### ${type}`, '');
      const docs = eventDocs.get(type);
      if (docs?.text) out.push(docs.text, '');
      out.push(...fieldsTable(schema, docs?.fields ?? new Map()), '');
      out.push(
        'Example `data`:',
        '',
        '```json',
        JSON.stringify(exampleOf(type, root), null, 2),
        '```',
        '',
      );
      out.push(
        '<details><summary>JSON Schema of <code>data</code></summary>',
        '',
        '```json',
        JSON.stringify(schema, null, 2),
        '```',
        '',
        '</details>',
        '',
      );
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function anchor(topic: string): string {
  return topic.replace(/[^a-z0-9 -]/g, '');
}
