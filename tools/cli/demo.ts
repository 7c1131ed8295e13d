import { readFileSync } from 'node:fs';
import { mintToken } from '@ami/auth';

/**
 * npm run demo: seeds the demo lineage into a running stack through the catalog's API: the
 * base-al2023 and web-base families, the seeded demo AMI adopted into base-al2023 and promoted
 * to prod, so that "which AMI is prod for base-al2023 in us-east-1?" has an answer, and a first
 * rebuild of base-al2023 requested (the builder takes it from there). Idempotent.
 */
const catalog = `http://127.0.0.1:${process.env.CATALOG_HTTP_PORT ?? 3001}`;
const secret = process.env.AUTH_JWT_SECRET;
if (!secret) {
  console.error(
    'demo: AUTH_JWT_SECRET is not set (the stack exports it; see scripts/lib/defaults.sh)',
  );
  process.exit(2);
}
const token = await mintToken({ subject: 'demo', roles: ['admin'], secret, expiresIn: 600 });

async function call(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<any> {
  const res = await fetch(`${catalog}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const payload = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${JSON.stringify(payload)}`);
  return payload;
}

for (const file of ['base-al2023', 'web-base']) {
  const yaml = readFileSync(
    new URL(`../../../examples/families/${file}.yaml`, import.meta.url),
    'utf8',
  );
  const applied = await call('POST', '/v1/specs', yaml, 'application/yaml');
  console.log(
    `family ${applied.family}: spec version ${applied.specVersion}${applied.changed ? '' : ' (unchanged)'}`,
  );
}
const imported = await call('POST', '/v1/families/base-al2023/imports', {
  region: 'us-east-1',
  filter: { owners: ['self'], filters: [{ name: 'name', values: ['demo-source-base'] }] },
});
const versions = await call('GET', '/v1/families/base-al2023/versions?limit=1');
const version = versions.items[0]?.version;
if (!version) throw new Error('demo: no version of base-al2023 after import');
await call('POST', '/v1/families/base-al2023/channels/prod/promote', {
  version,
  force: true,
  reason: 'demo seed',
});
const resolved = await call(
  'GET',
  '/v1/families/base-al2023/resolve?channel=prod&region=us-east-1',
);
console.log(
  `imported ${imported.imported.length} image(s); prod of base-al2023 in us-east-1 is ${resolved.imageId} (${resolved.version})`,
);
const rebuild = await call('POST', '/v1/families/base-al2023/rebuilds', {
  reason: 'demo: first build from the AL2023 SSM parameter',
  idempotencyKey: 'demo-seed',
});
console.log(
  `requested a rebuild of base-al2023 (request ${rebuild.requestId}); watch it: curl -H "authorization: Bearer $TOKEN" http://127.0.0.1:${process.env.BUILDER_HTTP_PORT ?? 3002}/v1/builds?family=base-al2023`,
);
console.log(
  `try: eval "$(bash scripts/stack.sh env)"; curl -H "authorization: Bearer $(npm run -s token -- --role reader --sub you)" "${catalog}/v1/families/base-al2023/resolve?channel=prod&region=us-east-1"`,
);
