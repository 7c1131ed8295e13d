import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  actionsReachableFrom,
  allowedActions,
  comparePolicy,
  GATEWAY_METHODS,
  gatewayActions,
} from './aws-actions.js';

const root = join(import.meta.dirname, '../..');
const iamDir = join(root, 'deploy/iam');
const services = readdirSync(join(root, 'apps')).filter((s) => existsSync(mainOf(s)));

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
interface Policy {
  Version: string;
  Statement: Statement[];
}

function mainOf(service: string): string {
  return join(root, 'apps', service, 'src', 'main.ts');
}
function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(iamDir, name), 'utf8')) as T;
}
const scans = new Map<string, Set<string>>();
function sentBy(service: string): Set<string> {
  if (!scans.has(service))
    scans.set(service, new Set(actionsReachableFrom(mainOf(service), { root }).keys()));
  return scans.get(service)!;
}
const actionsOf = (s: Statement) => [s.Action].flat();
const resourcesOf = (s: Statement) => [s.Resource].flat();

/** Actions that answer for no particular resource, so their statements name Resource "*". */
const UNSCOPED =
  /^(ec2:Describe|ec2:GetImageBlockPublicAccessState$|ssm:ListCommands$|ssm:GetCommandInvocation$)/;

describe('IAM policies (deploy/iam) against what the code sends', () => {
  it.each(services)('%s: the policy grants exactly the actions its code can send', (service) => {
    const sent = sentBy(service);
    const file = join(iamDir, `${service}.json`);
    if (sent.size === 0) return expect(existsSync(file)).toBe(false);
    const { missing, unused } = comparePolicy(
      sent,
      allowedActions(readJson<Policy>(`${service}.json`)),
    );
    expect({ service, missing, unused }).toEqual({ service, missing: [], unused: [] });
  });

  it('every command the gateway sends itself is reached through a method the scan knows', () => {
    const dir = join(root, 'libs/aws/src');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.includes('spec'));
    const known = new Set(Object.values(GATEWAY_METHODS).flat());
    expect([...gatewayActions(dir, files)].filter((a) => !known.has(a))).toEqual([]);
  });
});

const policies: Array<[string, Policy]> = [
  ...readdirSync(iamDir)
    .filter((f) => f.endsWith('.json') && f !== 'cross-account-role.json')
    .map((f): [string, Policy] => [f, readJson<Policy>(f)]),
  [
    'cross-account-role.json',
    readJson<{ PermissionsPolicy: Policy }>('cross-account-role.json').PermissionsPolicy,
  ],
];

describe.each(policies)('%s is least privilege', (_file, policy) => {
  it('names no wildcard actions, and Resource "*" only for actions that cannot be scoped, saying so', () => {
    for (const s of policy.Statement) {
      expect(actionsOf(s).filter((a) => a.includes('*'))).toEqual([]);
      if (!resourcesOf(s).includes('*')) continue;
      expect(actionsOf(s).filter((a) => !UNSCOPED.test(a))).toEqual([]);
      expect(s.Sid).toMatch(/CannotBeResourceScoped$/);
    }
  });

  it('changes images, snapshots and instances only where the platform tagged them or tags them now', () => {
    for (const s of policy.Statement) {
      const changes = actionsOf(s).filter((a) => a.startsWith('ec2:') && !UNSCOPED.test(a));
      const onPlatformResources = resourcesOf(s).some((r) =>
        /:(image|snapshot|instance|volume)\//.test(r),
      );
      // RunInstances reads a source image of anyone's and makes the instance's volumes with
      // it; only the instance itself must carry the build's tag
      const runsFromAnySource =
        actionsOf(s).includes('ec2:RunInstances') &&
        !resourcesOf(s).some((r) => /:instance\//.test(r));
      if (changes.length === 0 || !onPlatformResources || runsFromAnySource) continue;
      const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c));
      expect({ sid: s.Sid, keys }).toEqual({
        sid: s.Sid,
        keys: expect.arrayContaining([
          expect.stringMatching(/^(aws:ResourceTag|aws:RequestTag|ec2:CreateAction|ec2:Owner)/),
        ]),
      });
    }
  });

  it('tags only while creating (ec2:CreateAction)', () => {
    for (const s of policy.Statement.filter((st) => actionsOf(st).includes('ec2:CreateTags')))
      expect(Object.keys(s.Condition?.StringEquals ?? {})).toContain('ec2:CreateAction');
  });
});

describe('the cross-account role (ADR 017)', () => {
  const role = readJson<{ TrustPolicy: Policy; PermissionsPolicy: Policy; RoleName: string }>(
    'cross-account-role.json',
  );

  it('grants only what the replicator and the scanner send, and what owned copies need', () => {
    const sent = new Set([...sentBy('replicator'), ...sentBy('maintenance-scanner')]);
    const granted = allowedActions(role.PermissionsPolicy);
    expect([...granted].filter((a) => !sent.has(a))).toEqual([]);
    expect([...granted]).toEqual(expect.arrayContaining(['ec2:CopyImage', 'ec2:DeregisterImage']));
  });

  it('is assumed by the two services whose code assumes roles, under the role name they use', () => {
    const assumers = services.filter((s) => sentBy(s).has('sts:AssumeRole')).sort();
    const principals = role.TrustPolicy.Statement.flatMap((s) =>
      [(s as unknown as { Principal: { AWS: string[] } }).Principal.AWS].flat(),
    );
    expect(principals.map((p) => p.replace(/^.*:role\/ami-factory-/, '')).sort()).toEqual(assumers);
    for (const service of assumers) {
      const assume = readJson<Policy>(`${service}.json`).Statement.find((s) =>
        actionsOf(s).includes('sts:AssumeRole'),
      )!;
      expect(resourcesOf(assume)).toEqual([`arn:aws:iam::*:role/${role.RoleName}`]);
    }
  });
});
