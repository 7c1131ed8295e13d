import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { authConfigSchema, type AuthConfig } from './auth-config.js';
import { mintToken } from './mint-token.js';
import { TokenVerifier } from './token-verifier.js';

const SECRET = 'a-local-secret-of-at-least-32-chars!';
const T0 = 1_800_000_000; // epoch seconds of the fake clock's start

const configWith = (vars: Record<string, string>): AuthConfig => authConfigSchema.parse(vars);

/** A verifier on a fake clock that the test moves. */
function fakeClockVerifier(vars: Record<string, string>) {
  const clock = { now: T0 * 1000 };
  return { clock, verifier: new TokenVerifier(configWith(vars), { now: () => clock.now }) };
}

async function es256Token(key: CryptoKey, claims: Record<string, unknown>, kid?: string) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', ...(kid ? { kid } : {}) })
    .setSubject('svc-builder')
    .setAudience('ami-factory')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

describe('TokenVerifier with an HS256 secret', () => {
  const mint = (over: Partial<Parameters<typeof mintToken>[0]> = {}) =>
    mintToken({
      subject: 'alice',
      roles: ['operator'],
      secret: SECRET,
      expiresIn: 600,
      now: T0,
      ...over,
    });

  it('turns a valid token into the actor', async () => {
    const { verifier } = fakeClockVerifier({ AUTH_JWT_SECRET: SECRET });
    await expect(verifier.verify(await mint({ name: 'Alice' }))).resolves.toEqual({
      subject: 'alice',
      name: 'Alice',
      roles: ['operator'],
      highestRole: 'operator',
    });
  });

  it('says why a token is refused', async () => {
    const { verifier } = fakeClockVerifier({
      AUTH_JWT_SECRET: SECRET,
      AUTH_ISSUER: 'https://idp.example',
    });
    const issued = { issuer: 'https://idp.example' };
    const refusal = (token: Promise<string> | string) =>
      Promise.resolve(token)
        .then((t) => verifier.verify(t))
        .catch((e) => [e.kind, e.message]);
    expect(await refusal(mint({ ...issued, expiresIn: -31 }))).toEqual([
      'unauthenticated',
      'token expired',
    ]);
    expect(
      await refusal(mint({ ...issued, secret: 'another-secret-of-at-least-32-chars' })),
    ).toEqual(['unauthenticated', 'token signature invalid']);
    expect(await refusal(mint({ ...issued, audience: 'someone-else' }))).toEqual([
      'unauthenticated',
      'token audience not accepted',
    ]);
    expect(await refusal(mint({ issuer: 'https://evil.example' }))).toEqual([
      'unauthenticated',
      'token issuer not accepted',
    ]);
    expect(await refusal('not.a.jwt')).toEqual(['unauthenticated', 'token malformed']);
  });

  it('accepts an expiry within the clock tolerance', async () => {
    const { verifier } = fakeClockVerifier({ AUTH_JWT_SECRET: SECRET });
    await expect(verifier.verify(await mint({ expiresIn: -29 }))).resolves.toMatchObject({
      subject: 'alice',
    });
  });

  it('requires exp and sub', async () => {
    const { verifier } = fakeClockVerifier({ AUTH_JWT_SECRET: SECRET });
    const key = new TextEncoder().encode(SECRET);
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .setAudience('ami-factory')
      .sign(key);
    await expect(verifier.verify(noExp)).rejects.toThrow('token has no exp claim');
  });

  it('answers from the cache until the token expires, then refuses it', async () => {
    const { clock, verifier } = fakeClockVerifier({
      AUTH_JWT_SECRET: SECRET,
      AUTH_CLOCK_TOLERANCE_S: '0',
    });
    const token = await mint({ expiresIn: 60 });
    expect(verifier.lookup(token)).toBeUndefined();
    const actor = await verifier.verify(token);
    clock.now += 59_000;
    expect(verifier.lookup(token)).toBe(actor);
    clock.now += 1_000;
    expect(verifier.lookup(token)).toBeUndefined();
    await expect(verifier.verify(token)).rejects.toThrow('token expired');
  });

  it('keeps a token cached through the clock tolerance a fresh verification would grant', async () => {
    const { clock, verifier } = fakeClockVerifier({ AUTH_JWT_SECRET: SECRET });
    const token = await mint({ expiresIn: 60 });
    await verifier.verify(token);
    clock.now += 89_000;
    expect(verifier.lookup(token)).toBeDefined();
    clock.now += 1_000;
    expect(verifier.lookup(token)).toBeUndefined();
  });

  it('does not cache a refused token', async () => {
    const { verifier } = fakeClockVerifier({ AUTH_JWT_SECRET: SECRET });
    const token = await mint({ secret: 'another-secret-of-at-least-32-chars' });
    await expect(verifier.verify(token)).rejects.toThrow();
    expect(verifier.lookup(token)).toBeUndefined();
  });
});

describe('TokenVerifier with an ES256 public key', () => {
  it('accepts tokens signed by the matching private key only', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const other = await generateKeyPair('ES256');
    const verifier = new TokenVerifier(
      configWith({ AUTH_JWT_PUBLIC_KEY: await exportSPKI(pair.publicKey) }),
    );
    await expect(
      verifier.verify(await es256Token(pair.privateKey, { roles: 'admin' })),
    ).resolves.toMatchObject({
      subject: 'svc-builder',
      highestRole: 'admin',
    });
    await expect(
      verifier.verify(await es256Token(other.privateKey, { roles: 'admin' })),
    ).rejects.toThrow('token signature invalid');
  });

  it('refuses an HS256 token forged with the public key as the secret', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const pem = await exportSPKI(pair.publicKey);
    const verifier = new TokenVerifier(configWith({ AUTH_JWT_PUBLIC_KEY: pem }));
    const forged = await mintToken({
      subject: 'mallory',
      roles: ['admin'],
      secret: pem,
      expiresIn: 60,
    });
    await expect(verifier.verify(forged)).rejects.toThrow('token algorithm not accepted');
  });
});

describe('TokenVerifier with a JWKS', () => {
  let server: Server;
  let url: string;
  let fetches = 0;
  let keys: object[] = [];
  let pair: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    pair = await generateKeyPair('ES256', { extractable: true });
    keys = [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }];
    server = createServer((_, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('verifies tokens with keys fetched once from the key set', async () => {
    fetches = 0;
    const verifier = new TokenVerifier(configWith({ AUTH_JWKS_URL: url }));
    for (const roles of ['reader', 'operator', 'admin']) {
      const actor = await verifier.verify(await es256Token(pair.privateKey, { roles }, 'k1'));
      expect(actor.highestRole).toBe(roles);
    }
    expect(fetches).toBe(1);
  });

  it('refuses a token signed by a key the set does not hold', async () => {
    const stranger = await generateKeyPair('ES256');
    const verifier = new TokenVerifier(configWith({ AUTH_JWKS_URL: url }));
    await expect(
      verifier.verify(await es256Token(stranger.privateKey, { roles: 'admin' }, 'k9')),
    ).rejects.toThrow('token signed by an unknown key');
  });

  it('reports the key set being unreachable as unavailable, not as a bad token', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise((resolve) => down.close(resolve));
    const verifier = new TokenVerifier(
      configWith({ AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks` }),
    );
    await expect(
      verifier.verify(await es256Token(pair.privateKey, { roles: 'admin' }, 'k1')),
    ).rejects.toMatchObject({
      kind: 'unavailable',
    });
  });
});
