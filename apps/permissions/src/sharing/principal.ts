import type { LaunchPermission } from '@aws-sdk/client-ec2';
import {
  ACCOUNT_ID,
  ORGANIZATION_ARN,
  ORGANIZATIONAL_UNIT_ARN,
  type PrincipalRef,
} from '@ami/contracts';

/** Someone an image can be shared with: an account, an organization, an OU, or everyone. */
export type Principal = PrincipalRef;
export type PrincipalKind = Principal['kind'];

export const PUBLIC: Principal = { kind: 'public', value: 'all' };

/** A stable key per principal, for sets and comparisons. */
export function principalKey(p: Principal): string {
  return `${p.kind}:${p.value}`;
}

export function samePrincipal(a: Principal, b: Principal): boolean {
  return a.kind === b.kind && a.value === b.value;
}

/** Principals without duplicates, in a stable order (kind, then value). */
export function uniquePrincipals(principals: Iterable<Principal>): Principal[] {
  const byKey = new Map<string, Principal>();
  for (const p of principals) byKey.set(principalKey(p), p);
  return [...byKey.values()].sort((a, b) => principalKey(a).localeCompare(principalKey(b)));
}

/** Why a principal's text is not well formed, or null when it is. */
export function principalFormatProblem(p: Principal): string | null {
  switch (p.kind) {
    case 'account':
      return ACCOUNT_ID.test(p.value) ? null : 'must be a 12-digit AWS account id';
    case 'organization':
      return ORGANIZATION_ARN.test(p.value)
        ? null
        : 'must be an organization ARN such as arn:aws:organizations::123456789012:organization/o-abc123def4';
    case 'organizational-unit':
      return ORGANIZATIONAL_UNIT_ARN.test(p.value)
        ? null
        : 'must be an OU ARN such as arn:aws:organizations::123456789012:ou/o-abc123def4/ou-ab12-cdef3456';
    case 'public':
      return p.value === 'all' ? null : 'public is always "all"';
  }
}

/** The lists a spec or an API call gives, as principals. */
export interface PrincipalLists {
  accounts?: string[];
  organizationArns?: string[];
  organizationalUnitArns?: string[];
  public?: boolean;
}

export function principalsOf(lists: PrincipalLists): Principal[] {
  return uniquePrincipals([
    ...(lists.accounts ?? []).map((value) => ({ kind: 'account' as const, value })),
    ...(lists.organizationArns ?? []).map((value) => ({ kind: 'organization' as const, value })),
    ...(lists.organizationalUnitArns ?? []).map((value) => ({
      kind: 'organizational-unit' as const,
      value,
    })),
    ...(lists.public ? [PUBLIC] : []),
  ]);
}

/** The other way round: the lists the applied event and the API show. */
export function listsOf(principals: Principal[]): Required<PrincipalLists> {
  const of = (kind: PrincipalKind) => principals.filter((p) => p.kind === kind).map((p) => p.value);
  return {
    accounts: of('account'),
    organizationArns: of('organization'),
    organizationalUnitArns: of('organizational-unit'),
    public: principals.some((p) => p.kind === 'public'),
  };
}

/** EC2's LaunchPermission shape <-> a principal. */
export type Ec2LaunchPermission = LaunchPermission;

export function fromEc2(permission: Ec2LaunchPermission): Principal | null {
  if (permission.Group === 'all') return PUBLIC;
  if (permission.UserId) return { kind: 'account', value: permission.UserId };
  if (permission.OrganizationArn)
    return { kind: 'organization', value: permission.OrganizationArn };
  if (permission.OrganizationalUnitArn)
    return { kind: 'organizational-unit', value: permission.OrganizationalUnitArn };
  return null;
}

export function toEc2(p: Principal): Ec2LaunchPermission {
  switch (p.kind) {
    case 'public':
      return { Group: 'all' };
    case 'account':
      return { UserId: p.value };
    case 'organization':
      return { OrganizationArn: p.value };
    case 'organizational-unit':
      return { OrganizationalUnitArn: p.value };
  }
}
