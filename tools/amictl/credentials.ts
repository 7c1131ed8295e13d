import { mintToken, type Role } from '@ami/auth';
import { CliError, EXIT } from './errors.js';

type Env = Record<string, string | undefined>;

/**
 * The bearer token for a call that needs `role`: AMI_TOKEN when set (a token from the
 * organisation's identity provider, used as it is), else a short-lived token minted with the
 * local stack's AUTH_JWT_SECRET carrying exactly that role, so that a read never runs as admin.
 */
export class Credentials {
  private readonly minted = new Map<Role, Promise<string>>();

  constructor(private readonly env: Env = process.env) {}

  token(role: Role): Promise<string> {
    const given = this.env.AMI_TOKEN?.trim();
    if (given) return Promise.resolve(given);
    const secret = this.env.AUTH_JWT_SECRET;
    if (!secret)
      throw new CliError(
        'no credentials: set AMI_TOKEN to a bearer token, or AUTH_JWT_SECRET to the local stack\'s secret (eval "$(bash scripts/stack.sh env)")',
        EXIT.unauthorised,
      );
    let token = this.minted.get(role);
    if (!token) {
      token = mintToken({
        subject: this.subject(),
        name: this.subject(),
        roles: [role],
        secret,
        expiresIn: 600,
        issuer: this.env.AUTH_ISSUER || undefined,
        audience: this.env.AUTH_AUDIENCE || 'ami-factory',
      });
      this.minted.set(role, token);
    }
    return token;
  }

  /** Who the audit stream names for a minted token's writes. */
  subject(): string {
    return this.env.AMI_USER || this.env.USER || 'amictl';
  }
}
