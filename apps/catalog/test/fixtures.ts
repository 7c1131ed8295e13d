import { randomBytes } from 'node:crypto';
import type { BuildSucceeded, FamilySpecInput } from '@ami/contracts';

export const hex = (n = 17) => randomBytes(16).toString('hex').slice(0, n);
export const amiId = () => `ami-${hex()}`;
export const snapId = () => `snap-${hex()}`;

export function baseSpec(name: string): FamilySpecInput {
  return {
    name,
    owner: 'platform-team',
    source: {
      ssmParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    },
    build: { region: 'us-east-1' },
    distribution: { regions: ['us-east-1', 'eu-west-1'] },
    sharing: { accounts: ['111122223333'] },
  };
}

export function childSpec(name: string, parent: string): FamilySpecInput {
  return {
    ...baseSpec(name),
    owner: 'web-team',
    source: { family: { name: parent, channel: 'prod' } },
  };
}

export function buildSucceeded(
  family: string,
  version: string,
  options: {
    parent?: { family: string; version: string };
    imageId?: string;
    finishedAt?: string;
  } = {},
): BuildSucceeded {
  const now = options.finishedAt ?? new Date().toISOString();
  return {
    buildId: crypto.randomUUID(),
    family,
    version,
    specVersion: 1,
    recipeDigest: 'sha256:test',
    source: {
      imageId: amiId(),
      region: 'us-east-1',
      description: 'test source',
      parent: options.parent ?? null,
    },
    image: {
      region: 'us-east-1',
      imageId: options.imageId ?? amiId(),
      name: `${family}/${version}`,
      snapshotIds: [snapId()],
    },
    startedAt: now,
    finishedAt: now,
  };
}
