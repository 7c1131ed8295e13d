import type { FamilySpec } from '@ami/contracts';

export interface Family {
  name: string;
  description: string;
  owner: string;
  specVersion: number;
  parent: { family: string; channel: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface FamilySpecVersion {
  family: string;
  version: number;
  spec: FamilySpec;
  digest: string;
  appliedBy: string;
  appliedAt: Date;
}
