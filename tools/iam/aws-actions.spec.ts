import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { actionsReachableFrom, allowedActions, comparePolicy } from './aws-actions.js';

/** A throwaway repository: files by path, relative to its root. */
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'iam-fixture-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const gateway = {
  'libs/aws/src/index.ts': `export { Gateway } from './gateway.js';`,
  'libs/aws/src/gateway.ts': `import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
export class Gateway { describeAllImages() { return new DescribeImagesCommand({}); } useRole() { return AssumeRoleCommand; } }`,
};

const policy = (...actions: string[]) => ({
  Statement: [{ Effect: 'Allow' as const, Action: actions }],
});

describe('the actions a service can send', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function scan(): string[] {
    return [...actionsReachableFrom(join(root, 'apps/svc/src/main.ts'), { root }).keys()].sort();
  }

  it('follows relative and @ami/* imports, counting value imports of SDK commands and paginators', () => {
    root = fixture({
      ...gateway,
      'apps/svc/src/main.ts': `import { Images } from './images/images.js';\nexport * from './ssm';`,
      'apps/svc/src/images/images.ts': `import { Gateway } from '@ami/aws';
import { CreateImageCommand, type Image } from '@aws-sdk/client-ec2';
import type { DeleteSnapshotCommand } from '@aws-sdk/client-ec2';
export class Images { constructor(private g: Gateway) {} run() { this.g.describeAllImages(); return new CreateImageCommand({ TagSpecifications: [] }); } }`,
      'apps/svc/src/ssm/index.ts': `import { paginateListCommands } from '@aws-sdk/client-ssm';\nexport const p = paginateListCommands;`,
      'apps/svc/src/unreached.ts': `import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';`,
    });
    // the gateway's AssumeRole is not charged (useRole is never called); type imports and the
    // file nothing imports are not counted; tags at creation need CreateTags
    expect(scan()).toEqual([
      'ec2:CreateImage',
      'ec2:CreateTags',
      'ec2:DescribeImages',
      'ssm:ListCommands',
    ]);
  });

  it('fails the policy check when the code starts sending a new action, and when a grant goes unused', () => {
    root = fixture({
      ...gateway,
      'apps/svc/src/main.ts': `import { RetireImages } from './retire.js';`,
      'apps/svc/src/retire.ts': `import { DeregisterImageCommand } from '@aws-sdk/client-ec2';\nexport const RetireImages = DeregisterImageCommand;`,
    });
    const granted = allowedActions(policy('ec2:DeregisterImage'));
    expect(comparePolicy(scan(), granted)).toEqual({ missing: [], unused: [] });

    // a new call, with no change to the policy
    writeFileSync(
      join(root, 'apps/svc/src/retire.ts'),
      `import { DeregisterImageCommand, DeleteSnapshotCommand } from '@aws-sdk/client-ec2';
export const RetireImages = [DeregisterImageCommand, DeleteSnapshotCommand];`,
    );
    expect(comparePolicy(scan(), granted)).toEqual({ missing: ['ec2:DeleteSnapshot'], unused: [] });

    // the call removed again, the grant left behind
    writeFileSync(join(root, 'apps/svc/src/retire.ts'), `export const RetireImages = 1;`);
    expect(comparePolicy(scan(), granted)).toEqual({
      missing: [],
      unused: ['ec2:DeregisterImage'],
    });
  });

  it('charges a service with the gateway actions of the gateway methods it calls', () => {
    root = fixture({
      ...gateway,
      'apps/svc/src/main.ts': `import { Gateway } from '@ami/aws';\nnew Gateway().useRole();`,
    });
    expect(scan()).toEqual(['sts:AssumeRole']);
  });
});
