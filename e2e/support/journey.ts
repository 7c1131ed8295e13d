import { mintToken } from '@ami/auth';
import { LOCAL_AUTH_SECRET } from '@ami/testing';

/** Builder settings that make a journey quick: fast ticks and polls, short leases. */
export const FAST_BUILDER_ENV = {
  BUILD_POLL_INTERVAL_MS: '200',
  BUILD_WORKER_INTERVAL_MS: '100',
  BUILD_LEASE_MS: '3000',
};

export type Call = (
  base: string,
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: any }>;

/** HTTP calls to the services' APIs with an admin token. */
export async function adminCalls(): Promise<Call> {
  const token = await mintToken({
    subject: 'e2e',
    roles: ['admin'],
    secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
    expiresIn: 600,
  });
  return async (base, method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
}
