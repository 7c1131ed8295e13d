import { z } from 'zod';
import { familySpecSchema } from '../../family-spec/family-spec.schema.js';
import { family } from '../shared.js';

/** A new version of a family's spec was applied; every service takes its slice of it. */
export const FAMILY_SPEC_APPLIED = 'ami.family-spec.applied';
export const familySpecAppliedSchema = z
  .object({
    family,
    specVersion: z.number().int().min(1),
    digest: z.string().min(1),
    spec: familySpecSchema,
    appliedBy: z.string().min(1),
  })
  .strict();
export type FamilySpecApplied = z.infer<typeof familySpecAppliedSchema>;
