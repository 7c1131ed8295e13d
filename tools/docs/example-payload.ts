/**
 * An example value for a JSON Schema (draft 2020-12, as zod exports it): every property, the
 * first of every choice, and strings that satisfy the platform's patterns (image and snapshot
 * ids, versions, accounts, families). The event catalogue's examples are made with it, and its
 * spec checks each against the event's own zod schema.
 */
type Schema = Record<string, any>;

const BY_NAME: Array<[RegExp, unknown]> = [
  [/^family$|^parent$|Family$/, 'web-base'],
  [/^version$|Version$/, '2026.12.04-1'],
  [/^region$|Region$/, 'eu-west-1'],
  [/^(source)?[iI]mageId$/, 'ami-0a1b2c3d4e5f67890'],
  [/^regions$/, ['us-east-1', 'eu-west-1']],
  [/^channel$/, 'prod'],
  [/^account(Id)?$/, '210987654321'],
  [/^actor$/, 'service:replicator'],
  [/^reason$/, 'the source image moved'],
  [/^requestedBy$|^appliedBy$/, 'ci:web-pipeline'],
  [/^idempotencyKey$/, 'ci-run-4711'],
];

const BY_PATTERN: Array<[RegExp, string]> = [
  [/ami-/, 'ami-0a1b2c3d4e5f67890'],
  [/snap-/, 'snap-0f1e2d3c4b5a69788'],
  [/i-\[/, 'i-0123456789abcdef0'],
  [/\\d\{12\}/, '210987654321'],
  [/\\d\{4\}\\\.\\d\{2\}/, '2026.12.04-1'],
  [/\[a-z0-9\]\[a-z0-9-\]/, 'web-base'],
];

function exampleString(schema: Schema, name: string): string {
  if (schema.format === 'date-time') return '2026-12-04T09:30:00.000Z';
  if (schema.format === 'uuid') return '0b6f4d2e-8c1a-4e5b-9f3d-2a7c6e1b4d90';
  if (schema.format === 'uri' || schema.format === 'url') return 'https://example.com/ami-factory';
  if (schema.format === 'email') return 'platform@example.com';
  if (typeof schema.pattern === 'string')
    for (const [pattern, value] of BY_PATTERN) if (pattern.test(schema.pattern)) return value;
  const base = name || 'example';
  const min = schema.minLength ?? 0;
  return base.length >= min
    ? base.slice(0, schema.maxLength ?? base.length)
    : base.padEnd(min, 'x');
}

function resolveRef(schema: Schema, root: Schema): Schema {
  if (typeof schema.$ref !== 'string') return schema;
  const path = schema.$ref.replace(/^#\//, '').split('/');
  return path.reduce((node: Schema, key: string) => node?.[key], root) ?? {};
}

export function examplePayload(schema: Schema, root: Schema = schema, name = ''): unknown {
  schema = resolveRef(schema, root);
  for (const [pattern, value] of BY_NAME)
    if (name && pattern.test(name) && isPlausible(value, schema)) return value;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ('default' in schema) return schema.default;
  const choice = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(choice)) {
    const first = choice.find((c: Schema) => c.type !== 'null') ?? choice[0];
    return examplePayload(first, root, name);
  }
  if (Array.isArray(schema.allOf)) return examplePayload(schema.allOf[0], root, name);
  const type = Array.isArray(schema.type)
    ? schema.type.find((t: string) => t !== 'null')
    : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, property] of Object.entries<Schema>(schema.properties ?? {}))
        out[key] = examplePayload(property, root, key);
      return out;
    }
    case 'array': {
      const item = examplePayload(schema.items ?? {}, root, singular(name));
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => item);
    }
    case 'string':
      return exampleString(schema, name);
    case 'integer':
    case 'number':
      return (
        schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1)
      );
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return {};
  }
}

function singular(name: string): string {
  if (name === 'regions') return 'region';
  if (name.endsWith('Ids')) return name.slice(0, -1);
  return name.replace(/s$/, '');
}

/** A name hint applies only where the schema takes that kind of value. */
function isPlausible(value: unknown, schema: Schema): boolean {
  if (schema.enum || 'const' in schema) return false;
  const types = [schema.type, ...(schema.anyOf ?? []).map((c: Schema) => c.type)].flat();
  if (Array.isArray(value)) return types.includes('array');
  return types.includes(typeof value);
}
