import type { SharingSpec } from '@ami/contracts';
import {
  principalKey,
  principalsOf,
  uniquePrincipals,
  type Principal,
  type PrincipalLists,
} from './principal.js';

/** A family's sharing as its spec declares it (the permissions service's slice of the spec). */
export type SharingPolicy = SharingSpec;

/** A manual grant or revocation, recorded as part of the desired state. */
export interface ManualOverride {
  id: string;
  effect: 'grant' | 'revoke';
  principal: Principal;
  /** null: every version of the family. */
  version: string | null;
  expiresAt: Date | null;
}

/** Platform-wide rules no family can override. */
export interface PlatformSharingRules {
  /** ALLOW_PUBLIC_AMIS. */
  allowPublic: boolean;
  /** When set, the only principals any family may be shared with. */
  allowList: Required<Omit<PrincipalLists, 'public'>> | null;
}

export interface PrincipalRefusal {
  principal: Principal;
  reason: string;
}

export interface DesiredPermissions {
  /** Who may launch the image. */
  launch: Principal[];
  /** Who gets createVolumePermission on its snapshots (EC2 shares snapshots with accounts only). */
  volume: string[];
  /** Principals asked for but refused by the platform's rules. */
  refused: PrincipalRefusal[];
  /** False for a deprecated or disabled copy whose family does not share those: nothing new is added. */
  additionsAllowed: boolean;
}

export const PUBLIC_DISALLOWED =
  'public sharing is disabled on this platform (ALLOW_PUBLIC_AMIS=false)';
export const NOT_ON_ALLOW_LIST = "not on the platform's sharing allow-list";

/** Why the platform refuses a principal, or null when it may be shared with. */
export function refusalReason(p: Principal, rules: PlatformSharingRules): string | null {
  if (p.kind === 'public') return rules.allowPublic ? null : PUBLIC_DISALLOWED;
  if (!rules.allowList) return null;
  const list =
    p.kind === 'account'
      ? rules.allowList.accounts
      : p.kind === 'organization'
        ? rules.allowList.organizationArns
        : rules.allowList.organizationalUnitArns;
  return list.includes(p.value) ? null : NOT_ON_ALLOW_LIST;
}

export function isActive(override: ManualOverride, version: string | null, now: Date): boolean {
  const versionMatches = override.version === null || override.version === version;
  return versionMatches && (override.expiresAt === null || override.expiresAt > now);
}

/**
 * The desired permissions of one regional copy: the spec's principals, plus active manual
 * grants, minus active manual revocations, minus whatever the platform's rules refuse. The
 * rules are applied here, on every pass, so a setting turned off later takes grants away.
 */
export function desiredPermissions(input: {
  policy: SharingPolicy;
  overrides: ManualOverride[];
  rules: PlatformSharingRules;
  version: string;
  imageState: 'available' | 'deprecated' | 'disabled';
  now: Date;
}): DesiredPermissions {
  const active = input.overrides.filter((o) => isActive(o, input.version, input.now));
  const revoked = new Set(
    active.filter((o) => o.effect === 'revoke').map((o) => principalKey(o.principal)),
  );
  const wanted = uniquePrincipals([
    ...principalsOf(input.policy),
    ...active.filter((o) => o.effect === 'grant').map((o) => o.principal),
  ]).filter((p) => !revoked.has(principalKey(p)));
  const refused: PrincipalRefusal[] = [];
  const launch: Principal[] = [];
  for (const principal of wanted) {
    const reason = refusalReason(principal, input.rules);
    if (reason) refused.push({ principal, reason });
    else launch.push(principal);
  }
  return {
    launch,
    volume: launch.filter((p) => p.kind === 'account').map((p) => p.value),
    refused,
    additionsAllowed: input.imageState === 'available' || input.policy.shareDeprecated,
  };
}
