// moto records any OrganizationArn or OrganizationalUnitArn it is given as a launch
// permission; EC2 refuses an organization (or an OU of one) that does not exist. The proxy
// keeps, per proxy, a list of organizations to treat as unknown, so tests can see how a
// service handles EC2 refusing one principal of several.
import type { LaunchPermissionChange } from './image-actions.js';
import type { Ec2Response } from './responses.js';
import { ec2Error } from './responses.js';
import type { FidelityState } from './state.js';

const unknownByProxy = new WeakMap<FidelityState, Set<string>>();

/** Organization ids (o-…) that ModifyImageAttribute refuses from now on, with their OUs. */
export function treatOrganizationsAsUnknown(state: FidelityState, organizationIds: string[]): void {
  const set = unknownByProxy.get(state) ?? new Set<string>();
  for (const id of organizationIds) set.add(id);
  unknownByProxy.set(state, set);
}

export function forgetUnknownOrganizations(state: FidelityState): void {
  unknownByProxy.delete(state);
}

/** The organization id inside an organization or OU ARN. */
export function organizationIdOf(arn: string): string | undefined {
  return /:(?:organization|ou)\/(o-[a-z0-9]+)/.exec(arn)?.[1];
}

/** EC2's refusal when a change names an unknown organization, or undefined. */
export function unknownOrganization(
  state: FidelityState,
  added: LaunchPermissionChange[],
): Ec2Response | undefined {
  const unknown = unknownByProxy.get(state);
  if (!unknown?.size) return undefined;
  for (const change of added) {
    const arn = change.organizationArn ?? change.organizationalUnitArn;
    const id = arn ? organizationIdOf(arn) : undefined;
    if (arn && id && unknown.has(id))
      return ec2Error(
        400,
        'InvalidParameter',
        `The organization or organizational unit ${arn} does not exist or is not valid.`,
      );
  }
  return undefined;
}
