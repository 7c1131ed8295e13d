import { parseArgs } from 'node:util';
import { isRole, mintToken, ROLES } from '@ami/auth';

/**
 * npm run token -- --role admin --sub alice [--expires 8h] [--name 'Alice A.'] [--issuer ...]
 * Prints an HS256 token signed with AUTH_JWT_SECRET, for local use and tests only.
 */
const usage = `usage: npm run token -- --role <${ROLES.join('|')}> --sub <subject> [--expires 1h] [--name <display name>] [--issuer <iss>] [--audience <aud>]`;
const OPTIONS = {
  role: { type: 'string', multiple: true, default: [] as string[] },
  sub: { type: 'string' },
  expires: { type: 'string', default: '1h' },
  name: { type: 'string' },
  issuer: { type: 'string', default: process.env.AUTH_ISSUER },
  audience: { type: 'string', default: process.env.AUTH_AUDIENCE || 'ami-factory' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;
const parsed = (() => {
  try {
    return parseArgs({ options: OPTIONS });
  } catch (error) {
    // an unknown option or a missing value: say which, with the usage, not a stack trace
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
})();
const { values } = parsed;
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const secret = process.env.AUTH_JWT_SECRET;
const roles = values.role.flatMap((r) => r.split(','));
const unknown = roles.filter((r) => !isRole(r));
const problem = !secret
  ? 'AUTH_JWT_SECRET is not set: export the secret the services verify with'
  : !values.sub
    ? '--sub is required'
    : roles.length === 0
      ? '--role is required'
      : unknown.length > 0
        ? `unknown role ${unknown.join(', ')}`
        : undefined;
if (problem !== undefined) {
  console.error(`${problem}\n${usage}`);
  process.exit(2);
}
const expiresIn = /^-?\d+$/.test(values.expires) ? Number(values.expires) : values.expires;
console.log(
  await mintToken({
    subject: values.sub!,
    roles: roles.filter(isRole),
    secret: secret!,
    expiresIn,
    name: values.name,
    issuer: values.issuer || undefined,
    audience: values.audience,
  }),
);
