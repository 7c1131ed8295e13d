import type { PackageDefinition } from '@grpc/proto-loader';

/** A small seeded PRNG (mulberry32): the same seed gives the same cases on every machine. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)));
  }
}

/** FNV-1a of a text: per-RPC seeds, so adding an RPC does not change the cases of the others. */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The parts of a DescriptorProto the generator reads (as @grpc/proto-loader hands them out). */
interface FieldDescriptor {
  name: string;
  label: 'LABEL_OPTIONAL' | 'LABEL_REPEATED' | 'LABEL_REQUIRED';
  type: string;
  typeName: string;
}
interface MessageDescriptor {
  field: FieldDescriptor[];
  options?: { mapEntry?: boolean } | null;
}
interface EnumDescriptor {
  value: { name: string; number: number }[];
}

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** Domain-shaped values by field name, so that some requests get past validation. */
const SHAPED: [RegExp, string[]][] = [
  [/^family$|family_?name|^name$/i, ['web-base', 'api-base', 'a', 'fuzz-family-0']],
  [/version/i, ['2026.11.27-1', '2026.01.01-i1', '1.0.0']],
  [/region/i, ['eu-west-1', 'us-east-1', 'us-gov-west-1']],
  [/channel/i, ['prod', 'staging', 'dev']],
  [/(^|_)id$|_ids?$|^id$/i, ['00000000-0000-4000-8000-000000000000', 'ami-0123456789abcdef0']],
  [/account/i, ['123456789012', '000000000000']],
  [/arn/i, ['arn:aws:organizations::123456789012:organization/o-abc123def4']],
  [/cursor/i, ['MjAyNi0xMS0yN1QxMDowMDowMC4wMDBafDAwMDAwMDAw', 'AAAA', '']],
  [/(_at|expires|time)$/i, ['2099-01-01T00:00:00.000Z', '1970-01-01T00:00:00Z', 'yesterday']],
  [/reason|description|message/i, ['fuzzing', 'x']],
  [/state|status|mode|kind|effect/i, ['queued', 'failed', 'available', 'grant', 'repair']],
];

/** Strings every field gets some of: the edges the HTTP fuzzer also sends. */
const EDGE_STRINGS = [
  '',
  ' ',
  'a',
  '0',
  '-1',
  'null',
  '\u0000',
  'a\u0000b',
  '\uFFFD',
  '\uD800',
  'ünïcødé 🚀 中文',
  '\u202Eright-to-left',
  "'; DROP TABLE x; --",
  '../../etc/passwd',
  '%00%ff',
  '{"a":1}',
  'A'.repeat(300),
  'é'.repeat(5000),
  'x'.repeat(70_000),
];

const INT32 = [0, 1, -1, 2, 100, 500, 501, 1000, 2_147_483_647, -2_147_483_648, 65_536];
const INT64 = ['0', '1', '-1', '9223372036854775807', '-9223372036854775808', '4294967296'];
const DOUBLES = [0, -0, 1.5, -1, 1e308, -1e308, Number.NaN, Infinity, -Infinity, 5e-324];

export type Shape = 'shaped' | 'edge';

/**
 * Generates request objects for the messages of a package definition, from their descriptors:
 * every field (or none) set, to domain-shaped values, edge values (empty, very long, NUL,
 * unicode, lone surrogates), extreme numbers, and enum numbers that are not in the enum.
 */
export class MessageGenerator {
  constructor(private readonly definition: PackageDefinition) {}

  message(typeName: string, random: Random, shape: Shape, depth = 0): Record<string, unknown> {
    const descriptor = this.descriptor<MessageDescriptor>(typeName);
    const out: Record<string, unknown> = {};
    if (!descriptor) return out;
    for (const field of descriptor.field) {
      // leave some fields out (proto3: unset), more of them as nesting deepens
      if (random.chance(shape === 'shaped' ? 0.15 + depth * 0.2 : 0.3)) continue;
      const key = camel(field.name);
      const entry =
        field.type === 'TYPE_MESSAGE'
          ? this.descriptor<MessageDescriptor>(field.typeName)
          : undefined;
      if (entry?.options?.mapEntry) {
        const [k, v] = entry.field;
        const map: Record<string, unknown> = {};
        for (let i = random.int(4); i > 0; i--)
          map[String(this.value(k!, random, shape, depth + 1))] = this.value(
            v!,
            random,
            shape,
            depth + 1,
          );
        out[key] = map;
      } else if (field.label === 'LABEL_REPEATED') {
        const n = random.chance(0.05) ? 200 + random.int(1000) : random.int(4);
        out[key] = Array.from({ length: n }, () => this.value(field, random, shape, depth + 1));
      } else {
        out[key] = this.value(field, random, shape, depth + 1);
      }
    }
    return out;
  }

  private value(field: FieldDescriptor, random: Random, shape: Shape, depth: number): unknown {
    switch (field.type) {
      case 'TYPE_STRING':
        return this.string(field.name, random, shape);
      case 'TYPE_BYTES':
        return random.bytes(random.chance(0.1) ? 100_000 : random.int(64));
      case 'TYPE_BOOL':
        return random.chance(0.5);
      case 'TYPE_INT32':
      case 'TYPE_SINT32':
      case 'TYPE_SFIXED32':
      case 'TYPE_UINT32':
      case 'TYPE_FIXED32':
        return shape === 'shaped' && random.chance(0.6)
          ? 1 + random.int(50)
          : random.chance(0.8)
            ? random.pick(INT32)
            : random.int(2 ** 31) - 2 ** 30;
      case 'TYPE_INT64':
      case 'TYPE_SINT64':
      case 'TYPE_SFIXED64':
      case 'TYPE_UINT64':
      case 'TYPE_FIXED64':
        return shape === 'shaped' && random.chance(0.6)
          ? String(1 + random.int(50))
          : random.pick(INT64);
      case 'TYPE_DOUBLE':
      case 'TYPE_FLOAT':
        return random.chance(0.7) ? random.pick(DOUBLES) : (random.next() - 0.5) * 1e6;
      case 'TYPE_ENUM': {
        const values = this.descriptor<EnumDescriptor>(field.typeName)?.value ?? [];
        // a number the enum does not have arrives as that number on the server
        if (values.length === 0 || random.chance(shape === 'shaped' ? 0.15 : 0.5))
          return random.pick([-1, 999, 2_147_483_647, values.length]);
        return random.pick(values).name;
      }
      case 'TYPE_MESSAGE':
        if (depth > 4) return {};
        return this.message(field.typeName, random, shape, depth);
      default:
        return undefined;
    }
  }

  private string(name: string, random: Random, shape: Shape): string {
    const shaped = SHAPED.find(([pattern]) => pattern.test(name))?.[1];
    // shaped: mostly values the domain accepts, so that requests get past validation
    if (shape === 'shaped' && shaped && random.chance(0.9)) return random.pick(shaped);
    if (shape === 'shaped' && !shaped && random.chance(0.6)) return random.pick(['fuzz', 'x-1']);
    if (random.chance(0.15)) return this.randomText(random);
    return random.pick(EDGE_STRINGS);
  }

  /** A short run of code points from across the planes, lone surrogates and controls included. */
  private randomText(random: Random): string {
    const codes = Array.from({ length: 1 + random.int(24) }, () =>
      random.pick([
        random.int(0x80),
        random.int(0x800),
        random.int(0x10000),
        0x10000 + random.int(0xfffff),
      ]),
    );
    return codes.map((c) => String.fromCodePoint(c)).join('');
  }

  private descriptor<T>(typeName: string): T | undefined {
    const entry = this.definition[typeName.replace(/^\./, '')] as { type?: T } | undefined;
    return entry?.type;
  }
}
