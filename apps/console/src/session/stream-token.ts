import { ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { AuthError, type Actor, type TokenVerifier } from '@ami/auth';

/**
 * The caller of a stream: a bearer token in Authorization, or (EventSource cannot send headers)
 * in ?access_token=. Only the audit stream takes a token in the query; it is never logged.
 */
export async function streamCaller(
  verifier: TokenVerifier,
  authorization: string | undefined,
  accessToken: string | undefined,
): Promise<{ actor: Actor; expiresAt: number }> {
  const fromHeader = /^bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (authorization !== undefined && fromHeader === undefined)
    throw new UnauthorizedException('authorization is not a bearer token');
  const token = fromHeader ?? accessToken;
  if (!token) throw new UnauthorizedException('missing bearer token (header or access_token)');
  try {
    const actor = await verifier.verify(token);
    return { actor, expiresAt: expiryOf(token) };
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    if (error.kind === 'unavailable') throw new ServiceUnavailableException(error.message);
    throw new UnauthorizedException(error.message);
  }
}

/** Epoch ms of a verified token's `exp` (the verifier requires it): the stream ends there. */
function expiryOf(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
    exp: number;
  };
  return payload.exp * 1000;
}
