import { z } from 'zod';
import { cursorParam, jsonSchemaOf, limitParam, pageOf, timestamp } from '@ami/runtime';
import { familyName } from '../api/catalog-params.js';

/** The family spec's JSON Schema (libs/contracts/schemas/family-spec.schema.json). */
export const FAMILY_SPEC_REF = { $ref: '#/components/schemas/FamilySpec' };
/** The same, with `name` optional: PUT names the family in its path. */
export const FAMILY_SPEC_IN_PATH_REF = { $ref: '#/components/schemas/FamilySpecInPath' };
/** A spec arrives as JSON or as YAML (the same document, as a person writes it). */
export const SPEC_MEDIA_TYPES = ['application/json', 'application/yaml'] as const;

export const listFamiliesQuery = z.object({
  limit: limitParam(),
  cursor: cursorParam,
  owner: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\x00\uFFFD]*$/u)
    .optional(),
  parent: familyName.optional(),
});

export const familySchema = z.object({
  name: z.string(),
  description: z.string(),
  owner: z.string(),
  specVersion: z.number().int(),
  parent: z.object({ family: z.string(), channel: z.string() }).nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const familyPage = pageOf(familySchema);

const specFields = (nullable: boolean) => ({
  type: 'object',
  properties: {
    spec: nullable ? { anyOf: [FAMILY_SPEC_REF, { type: 'null' }] } : FAMILY_SPEC_REF,
  },
  required: ['spec'],
});

/** A family with its current spec (null until one is applied). */
export const familyWithSpecSchema = {
  allOf: [
    jsonSchemaOf(familySchema),
    specFields(true),
    {
      type: 'object',
      properties: { specDigest: { type: ['string', 'null'] } },
      required: ['specDigest'],
    },
  ],
};

const specVersionFields = z.object({
  family: z.string(),
  version: z.number().int(),
  digest: z.string(),
  appliedBy: z.string(),
  appliedAt: timestamp,
});
export const specVersionSchema = { allOf: [jsonSchemaOf(specVersionFields), specFields(false)] };
export const specVersionList = {
  type: 'object',
  properties: { items: { type: 'array', items: specVersionSchema } },
  required: ['items'],
};

export const appliedSpecSchema = z.object({
  family: z.string(),
  specVersion: z.number().int(),
  digest: z.string(),
  changed: z.boolean().meta({ description: 'false when the spec equals the current one' }),
});
