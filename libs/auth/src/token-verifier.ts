import { errors, type JWTPayload } from 'jose';
import { actorFromClaims, type Actor } from './actor.js';
import { assertAuthConfigured, type AuthConfig } from './auth-config.js';
import { AuthError } from './auth-error.js';
import { verifierFor, type VerifyJwt } from './key-source.js';
import { TokenCache } from './token-cache.js';

export interface TokenVerifierOptions {
  /** Verified tokens kept in memory (default 10,000). */
  maxCachedTokens?: number;
  /** Epoch ms; a test passes a fake clock. */
  now?: () => number;
}

/**
 * Verifies bearer JWTs against the configured key source and turns their claims into an Actor.
 * A verified token is remembered until it expires (plus the clock tolerance a fresh verification
 * would grant), so a client reusing its token costs one Map lookup per request.
 */
export class TokenVerifier {
  private readonly cache: TokenCache<Actor>;
  private readonly now: () => number;
  private readonly verifyJwt: VerifyJwt;
  private readonly remote: boolean;

  constructor(
    private readonly config: AuthConfig,
    options: TokenVerifierOptions = {},
  ) {
    assertAuthConfigured(config);
    this.now = options.now ?? Date.now;
    this.cache = new TokenCache(options.maxCachedTokens ?? 10_000, this.now);
    ({ verifyJwt: this.verifyJwt, remote: this.remote } = verifierFor(config));
  }

  /** The actor of a token verified earlier and not yet expired; undefined otherwise. */
  lookup(token: string): Actor | undefined {
    return this.cache.get(this.cache.key(token));
  }

  /** Verifies the token (or answers from the cache); rejects with an AuthError. */
  async verify(token: string): Promise<Actor> {
    const key = this.cache.key(token);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const claims = await this.verifyClaims(token);
    const actor = actorFromClaims(claims, this.config.AUTH_ROLES_CLAIM);
    const until = (claims.exp! + this.config.AUTH_CLOCK_TOLERANCE_S) * 1000;
    this.cache.set(key, actor, until);
    return actor;
  }

  private async verifyClaims(token: string): Promise<JWTPayload> {
    try {
      return await this.verifyJwt(token, {
        issuer: this.config.AUTH_ISSUER,
        audience: this.config.AUTH_AUDIENCE,
        clockTolerance: this.config.AUTH_CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(this.now()),
      });
    } catch (error) {
      throw this.explain(error);
    }
  }

  private explain(error: unknown): AuthError {
    const refuse = (message: string) => new AuthError('unauthenticated', message);
    if (error instanceof errors.JWTExpired) return refuse('token expired');
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.reason === 'missing') return refuse(`token has no ${error.claim} claim`);
      if (error.claim === 'nbf') return refuse('token not yet valid');
      if (error.claim === 'iss') return refuse('token issuer not accepted');
      if (error.claim === 'aud') return refuse('token audience not accepted');
      return refuse(`token claim ${error.claim} invalid`);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed)
      return refuse('token signature invalid');
    if (error instanceof errors.JOSEAlgNotAllowed) return refuse('token algorithm not accepted');
    if (error instanceof errors.JWKSNoMatchingKey) return refuse('token signed by an unknown key');
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
      return refuse('token malformed');
    }
    if (this.remote && isKeySetFailure(error)) {
      return new AuthError('unavailable', 'token keys unavailable (JWKS could not be fetched)');
    }
    return refuse('token invalid');
  }
}

function isKeySetFailure(error: unknown): boolean {
  return (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    !(error instanceof errors.JOSEError) ||
    error.code === 'ERR_JOSE_GENERIC'
  );
}
