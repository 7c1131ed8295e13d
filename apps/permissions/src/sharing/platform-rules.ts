import type { PlatformSharingRules } from './desired-state.js';

/** The platform-wide sharing rules from config: the public switch and the optional allow-list. */
export function platformRules(config: {
  ALLOW_PUBLIC_AMIS: boolean;
  SHARING_ALLOWED_ACCOUNTS: string[];
  SHARING_ALLOWED_ORGANIZATIONS: string[];
  SHARING_ALLOWED_OUS: string[];
}): PlatformSharingRules {
  const listed =
    config.SHARING_ALLOWED_ACCOUNTS.length +
      config.SHARING_ALLOWED_ORGANIZATIONS.length +
      config.SHARING_ALLOWED_OUS.length >
    0;
  return {
    allowPublic: config.ALLOW_PUBLIC_AMIS,
    allowList: listed
      ? {
          accounts: config.SHARING_ALLOWED_ACCOUNTS,
          organizationArns: config.SHARING_ALLOWED_ORGANIZATIONS,
          organizationalUnitArns: config.SHARING_ALLOWED_OUS,
        }
      : null,
  };
}
