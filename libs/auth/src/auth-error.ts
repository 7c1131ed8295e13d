/**
 * Why a call was refused. `unauthenticated`: no usable token (HTTP 401, gRPC UNAUTHENTICATED);
 * `forbidden`: a valid token without the role (403, PERMISSION_DENIED); `unavailable`: the keys
 * could not be fetched, so the caller may retry (503, UNAVAILABLE).
 * Messages name the problem, never the token.
 */
export class AuthError extends Error {
  constructor(
    readonly kind: 'unauthenticated' | 'forbidden' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
