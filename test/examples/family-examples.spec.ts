import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describeSource, validateFamilySpec } from '@ami/contracts';

const root = join(import.meta.dirname, '../..');
const dir = join(root, 'examples/families');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const read = (file: string) => parse(readFileSync(join(dir, file), 'utf8')) as Record<string, any>;

const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const jsonSchema = JSON.parse(
  readFileSync(join(root, 'libs/contracts/schemas/family-spec.schema.json'), 'utf8'),
);
const matchesJsonSchema = ajv.compile(jsonSchema);

describe('the example family specs (examples/families)', () => {
  it.each(files)('%s is a valid family spec', (file) => {
    const result = validateFamilySpec(read(file));
    expect(result.ok ? [] : result).toEqual([]);
  });

  it.each(files)('%s matches the published JSON Schema (libs/contracts/schemas)', (file) => {
    matchesJsonSchema(read(file));
    expect(matchesJsonSchema.errors ?? []).toEqual([]);
  });

  it('names a different family in each file', () => {
    const names = files.map((f) => read(f).name);
    expect(new Set(names).size).toBe(files.length);
  });

  it('shows every kind of source: amiId, filter, ssmParameter, family', () => {
    const kinds = files.map((file) => {
      const result = validateFamilySpec(read(file));
      if (!result.ok) throw new Error(`${file} is invalid`);
      return Object.keys(result.spec.source).find((k) => k !== 'region');
    });
    expect(new Set(kinds)).toEqual(new Set(['amiId', 'filter', 'ssmParameter', 'family']));
  });

  it('the filter example picks one image from owners it trusts', () => {
    const result = validateFamilySpec(read('rhel-filter.yaml'));
    if (!result.ok) throw new Error('rhel-filter.yaml is invalid');
    expect(describeSource(result.spec.source)).toBe(
      'newest image owned by 309956199498 matching name=RHEL-9.*_HVM-*-x86_64-* architecture=x86_64 root-device-type=ebs',
    );
  });
});
