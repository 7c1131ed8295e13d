import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { mintToken } from '@ami/auth';
import {
  LOCAL_AUTH_SECRET,
  ServiceProcess,
  startServiceProcess,
  uniqueName,
  waitReady,
} from '@ami/testing';

/**
 * A client generated from each service's published OpenAPI document (openapi-typescript)
 * must type-check against the answers the service really gives: each answer below is written
 * into a TypeScript file as a literal of the generated type for its operation and status, and
 * the file is compiled strictly. A field the document leaves out, mistypes or marks required
 * wrongly is a compile error here.
 */
describe('clients generated from the OpenAPI documents type-check against real answers', () => {
  const services: ServiceProcess[] = [];
  let admin: string;
  const dir = mkdtempSync(join(tmpdir(), 'ami-openapi-'));

  beforeAll(async () => {
    services.push(
      await startServiceProcess('catalog'),
      await startServiceProcess('builder', { BUILD_WORKER_ENABLED: 'false' }),
    );
    await Promise.all(services.map((s) => waitReady(s)));
    admin = await mintToken({
      subject: 'openapi-client-test',
      roles: ['admin'],
      secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
      expiresIn: 600,
    });
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (
    service: ServiceProcess,
    method: string,
    path: string,
    body?: unknown,
    token: string | null = admin,
  ) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: (await res.json()) as any,
    };
  };

  /** Writes the generated types and one typed literal per answer; returns tsc's complaints. */
  async function typeCheck(
    name: string,
    service: ServiceProcess,
    answers: Array<{ path: string; method: string; status: number; media?: string; body: unknown }>,
  ): Promise<string[]> {
    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as any;
    writeFileSync(join(dir, `${name}.ts`), astToString(await openapiTS(document)));
    const lines = answers.map(
      (a, i) =>
        `export const answer${i}: paths[${JSON.stringify(a.path)}][${JSON.stringify(a.method)}]` +
        `['responses'][${a.status}]['content'][${JSON.stringify(a.media ?? 'application/json')}] = ` +
        `${JSON.stringify(a.body)};`,
    );
    const file = join(dir, `${name}-answers.ts`);
    writeFileSync(file, `import type { paths } from './${name}.js';\n${lines.join('\n')}\n`);
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
    });
    return ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }

  it('catalog: families, specs, versions, channels, resolve, lineage, and its problems', async () => {
    const [catalog] = services;
    const family = uniqueName('oapi');
    const spec = {
      name: family,
      owner: 'platform',
      source: { amiId: 'ami-0abc12345678' },
      distribution: { regions: ['us-east-1'] },
    };
    const applied = await call(catalog, 'POST', '/v1/specs', spec);
    expect(applied.status).toBe(201);
    const answers = [
      { path: '/v1/specs', method: 'post', status: 201, body: applied.body },
      { path: '/v1/families', method: 'get', status: 200, path2: '/v1/families?limit=2' },
      {
        path: '/v1/families/{family}',
        method: 'get',
        status: 200,
        path2: `/v1/families/${family}`,
      },
      {
        path: '/v1/families/{family}/specs',
        method: 'get',
        status: 200,
        path2: `/v1/families/${family}/specs`,
      },
      {
        path: '/v1/families/{family}/specs/{version}',
        method: 'get',
        status: 200,
        path2: `/v1/families/${family}/specs/1`,
      },
      {
        path: '/v1/families/{family}/versions',
        method: 'get',
        status: 200,
        path2: `/v1/families/${family}/versions`,
      },
      {
        path: '/v1/families/{family}/channels',
        method: 'get',
        status: 200,
        path2: `/v1/families/${family}/channels`,
      },
      { path: '/v1/lineage/outdated', method: 'get', status: 200, path2: '/v1/lineage/outdated' },
      { path: '/v1/orphans', method: 'get', status: 200, path2: '/v1/orphans' },
      {
        path: '/v1/families/{family}/resolve',
        method: 'get',
        status: 404,
        media: 'application/problem+json',
        path2: `/v1/families/${family}/resolve?region=us-east-1`,
      },
      {
        path: '/v1/families',
        method: 'get',
        status: 400,
        media: 'application/problem+json',
        path2: '/v1/families?limit=0&cursor=%00',
      },
      { path: '/health/live', method: 'get', status: 200, path2: '/health/live', public: true },
      // What Fastify's router refuses before any handler is problem+json, and documented.
      {
        path: '/v1/families/{family}',
        method: 'get',
        status: 414,
        media: 'application/problem+json',
        path2: `/v1/families/${'a'.repeat(150)}`,
      },
      {
        path: '/v1/families/{family}',
        method: 'get',
        status: 400,
        media: 'application/problem+json',
        path2: '/v1/families/%E0%A4%A',
      },
    ];
    const seen: Array<{
      path: string;
      method: string;
      status: number;
      media?: string;
      body: unknown;
    }> = [];
    for (const a of answers) {
      const res = a.path2
        ? await call(catalog, 'GET', a.path2, undefined, a.public ? null : admin)
        : { status: a.status, body: a.body, type: 'application/json' };
      expect(res.status, a.path2).toBe(a.status);
      if (a.media) expect(res.type).toContain(a.media);
      seen.push({
        path: a.path,
        method: a.method,
        status: a.status,
        media: a.media,
        body: res.body,
      });
    }
    // The 400 names the parameters it refused.
    expect(
      (seen[10].body as { errors: Array<{ path: string }> }).errors.map(
        (e: { path: string }) => e.path,
      ),
    ).toEqual(expect.arrayContaining(['limit', 'cursor']));
    expect(await typeCheck('catalog', catalog, seen)).toEqual([]);
  });

  it('builder: builds and their problems', async () => {
    const builder = services[1];
    const requested = await call(builder, 'POST', '/v1/builds', {
      family: uniqueName('oapi-none'),
      reason: 'client type check',
    });
    expect(requested.status).toBe(202);
    const list = await call(builder, 'GET', '/v1/builds?limit=3');
    const missing = await call(builder, 'GET', '/v1/builds/00000000-0000-4000-8000-000000000000');
    const badCursor = await call(builder, 'GET', '/v1/builds?cursor=bm90LWEta2V5');
    expect([list.status, missing.status, badCursor.status]).toEqual([200, 404, 400]);
    expect(badCursor.body.errors).toEqual([{ path: 'cursor', message: expect.any(String) }]);
    const answers = [
      { path: '/v1/builds', method: 'post', status: 202, body: requested.body },
      { path: '/v1/builds', method: 'get', status: 200, body: list.body },
      {
        path: '/v1/builds/{id}',
        method: 'get',
        status: 404,
        media: 'application/problem+json',
        body: missing.body,
      },
      {
        path: '/v1/builds',
        method: 'get',
        status: 400,
        media: 'application/problem+json',
        body: badCursor.body,
      },
    ];
    const first = list.body.items[0];
    if (first) {
      const one = await call(builder, 'GET', `/v1/builds/${first.id}`);
      answers.push({ path: '/v1/builds/{id}', method: 'get', status: 200, body: one.body });
    }
    expect(await typeCheck('builder', builder, answers)).toEqual([]);
  });

  it('the check has teeth: an answer missing a required field does not compile', async () => {
    const builder = services[1];
    const missing = await call(builder, 'GET', '/v1/builds/00000000-0000-4000-8000-000000000000');
    const { status: _status, ...withoutStatus } = missing.body;
    const complaints = await typeCheck('builder-negative', builder, [
      {
        path: '/v1/builds/{id}',
        method: 'get',
        status: 404,
        media: 'application/problem+json',
        body: withoutStatus,
      },
    ]);
    expect(complaints.join('\n')).toContain("'status'");
  });
});
