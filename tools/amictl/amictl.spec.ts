import { readFileSync } from 'node:fs';
import { Credentials } from './credentials.js';
import { serviceUrl } from './endpoints.js';
import { CliError, UsageError } from './errors.js';
import { describeFindings } from './commands/maintenance.js';
import { auditFilter, auditLine } from './commands/audit.js';
import { parseEntry, type AuditEntry } from './audit-reader.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateSpecText } from './commands/families.js';
import { table } from './output.js';
import { describeDeadLetter, dlqOf, originalOf } from './dlq-reader.js';
import { runAmictl } from './program.js';

const claims = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

describe('amictl', () => {
  it('lines up columns under upper-case headers, with - for what is empty', () => {
    expect(
      table(
        ['family', 'parent'],
        [
          ['web-base', 'base-al2023/prod'],
          ['base-al2023', null],
        ],
      ),
    ).toEqual(['FAMILY       PARENT', 'web-base     base-al2023/prod', 'base-al2023  -']);
  });

  it('finds each service at <SERVICE>_URL, else at <SERVICE>_HTTP_PORT, else at its stack port', () => {
    expect(serviceUrl('catalog', { CATALOG_URL: 'https://catalog.example/' })).toBe(
      'https://catalog.example',
    );
    expect(serviceUrl('maintenance-scanner', { MAINTENANCE_SCANNER_HTTP_PORT: '4005' })).toBe(
      'http://127.0.0.1:4005',
    );
    expect(serviceUrl('permissions', {})).toBe('http://127.0.0.1:3004');
    expect(() => serviceUrl('builder', { BUILDER_URL: 'builder:3002' })).toThrow(
      /BUILDER_URL must be http/,
    );
    expect(() => serviceUrl('builder', { BUILDER_HTTP_PORT: 'eighty' })).toThrow(UsageError);
  });

  it('mints a token with only the role a command needs, naming the operator', async () => {
    const credentials = new Credentials({ AUTH_JWT_SECRET: 's3cret', AMI_USER: 'alice' });
    expect(claims(await credentials.token('reader'))).toMatchObject({
      sub: 'alice',
      roles: ['reader'],
      aud: 'ami-factory',
    });
    expect(claims(await credentials.token('admin')).roles).toEqual(['admin']);
    expect(await new Credentials({ AMI_TOKEN: 'given', AUTH_JWT_SECRET: 's' }).token('admin')).toBe(
      'given',
    );
    expect(() => new Credentials({}).token('reader')).toThrow(CliError);
  });

  it('validates the example specs, and names each problem of a bad one by its path', () => {
    for (const file of ['base-al2023', 'web-base'])
      expect(validateSpecText(readFileSync(`examples/families/${file}.yaml`, 'utf8')).ok).toBe(
        true,
      );
    const bad = validateSpecText(
      'name: web-base\nowner: x\nsource: {amiId: nope}\nbuild: {region: mars-1}\n',
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.problems.map((p) => p.path)).toEqual(
        expect.arrayContaining(['source.amiId', 'build.region']),
      );
    const broken = validateSpecText('name: [unclosed');
    expect(broken.ok || broken.problems[0]).toMatchObject({
      path: '(root)',
      message: expect.stringMatching(/YAML/),
    });
  });

  it('says what the scanner found in one phrase', () => {
    const base = {
      stale: false,
      sourceMoved: null,
      sourceDeprecated: false,
      sourceUnresolvable: null,
      parentMoved: null,
      revokedAncestors: [],
      pendingRebuilds: [],
      failingRebuilds: { consecutiveFailures: 0, suspended: false, lastReason: null },
    };
    expect(describeFindings(null)).toBe('not scanned yet');
    expect(describeFindings(base)).toBe('ok');
    expect(
      describeFindings({
        ...base,
        stale: true,
        ageDays: 31,
        maxAgeDays: 30,
        sourceMoved: { from: 'ami-1', to: 'ami-2' },
      }),
    ).toBe('stale (31.0 > 30 days); source moved to ami-2');
  });

  it('prints an audit record as one line: when, who, what, to which image, how it ended', () => {
    const event = {
      specversion: '1.0',
      id: 'e1',
      source: '/ami/catalog',
      type: 'ami.audit.recorded',
      time: '2026-12-04T14:38:31.120Z',
      data: {
        actor: 'alice',
        action: 'channel.promote-refused',
        subject: { family: 'web-base', channel: 'prod', version: '2026.12.04-1' },
        before: null,
        after: null,
        outcome: 'rejected',
        reason: 'channel prod is protected',
      },
    };
    const entry = parseEntry(JSON.stringify(event), 'web-base');
    expect(auditLine(entry!)).toBe(
      '2026-12-04 14:38:31Z  alice  channel.promote-refused  web-base prod 2026.12.04-1  rejected  (channel prod is protected)',
    );
    expect(parseEntry('not json', 'web-base')).toBeNull();
    expect(
      parseEntry(JSON.stringify({ id: 'x', data: { family: 'web-base' } }), 'web-base'),
    ).toBeNull();
  });

  it('promote --wait retries while a copy is on its way, and stops at any other refusal', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const out = { line: (t: string) => lines.push(t), error: (t: string) => errors.push(t) };
    const problem = (status: number, detail: string) =>
      new Response(JSON.stringify({ status, title: 'Precondition Failed', detail }), {
        status,
        headers: { 'content-type': 'application/problem+json' },
      });
    const notYet = (missing: string) =>
      problem(
        412,
        `version v1 is not available in every target region yet (missing: ${missing}); wait for replication or promote with force`,
      );
    const answers = [
      () => notYet('eu-west-1, ap-south-1'),
      () => notYet('eu-west-1, ap-south-1'),
      () => notYet('eu-west-1'),
      () =>
        new Response(
          JSON.stringify({ family: 'web', channel: 'prod', version: 'v1', previousVersion: null }),
          { status: 200, headers: { 'content-type': 'application/json' } },
        ),
    ];
    const calls: string[] = [];
    const fetchAnswers = (async (url: string, init: RequestInit) => {
      calls.push(`${init.method} ${new URL(url).pathname}`);
      return answers[calls.length - 1]();
    }) as unknown as typeof fetch;
    const deps = { out, env: { AUTH_JWT_SECRET: 's' }, sleep: async () => undefined };
    const argv = ['channel', 'promote', 'web', 'prod', 'v1', '--wait'];
    expect(await runAmictl(argv, { ...deps, fetch: fetchAnswers })).toBe(0);
    expect(calls).toEqual(Array(4).fill('POST /v1/families/web/channels/prod/promote'));
    expect(lines).toEqual([
      'waiting for the copies in eu-west-1, ap-south-1',
      'waiting for the copies in eu-west-1',
      'web prod: (none) -> v1',
    ]);
    // a protected channel is refused with 412 too: no retry
    let asked = 0;
    const protectedChannel = (async () => {
      asked += 1;
      return problem(412, 'channel prod is protected: only admins move it');
    }) as unknown as typeof fetch;
    expect(await runAmictl(argv, { ...deps, fetch: protectedChannel })).toBe(1);
    expect(asked).toBe(1);
    expect(errors.at(-1)).toMatch(/412.*channel prod is protected/);
  });

  it('exits 2 on bad usage, naming what was wrong, without calling any service', async () => {
    const errors: string[] = [];
    const out = { line: () => undefined, error: (t: string) => errors.push(t) };
    const fetchNever = (() => {
      throw new Error('no call expected');
    }) as unknown as typeof fetch;
    expect(
      await runAmictl(['version', 'list', 'web-base', '--limit', 'ten'], {
        out,
        fetch: fetchNever,
        env: {},
      }),
    ).toBe(2);
    expect(errors.join('\n')).toMatch(/--limit <n>.*must be a positive whole number/);
    expect(await runAmictl(['resolve', 'web-base'], { out, fetch: fetchNever, env: {} })).toBe(2);
    expect(errors.join('\n')).toMatch(/--region <region>/);
    expect(
      await runAmictl(['version', 'import', 'web-base', '--region', 'us-east-1'], {
        out,
        fetch: fetchNever,
        env: { AUTH_JWT_SECRET: 's' },
      }),
    ).toBe(2);
    expect(errors.at(-1)).toMatch(/exactly one of --image/);
  });

  it('filters audit entries by family, exact action or action prefix, and actor', () => {
    const entry = (family: string, action: string, actor: string) =>
      ({ family, action, actor }) as AuditEntry;
    const all = [
      entry('web-base', 'channel.promoted', 'alice'),
      entry('web-base', 'channel.rolled-back', 'bob'),
      entry('web-base', 'family-spec.applied', 'alice'),
      entry('base-al2023', 'channel.promoted', 'alice'),
      entry('web-base', 'channelx', 'alice'),
    ];
    const pick = (filter: Parameters<typeof auditFilter>[0]) =>
      all.filter(auditFilter(filter)).map((e) => `${e.family} ${e.action} ${e.actor}`);
    expect(pick({})).toHaveLength(5);
    expect(pick({ family: 'web-base', action: 'channel.*' })).toEqual([
      'web-base channel.promoted alice',
      'web-base channel.rolled-back bob',
    ]);
    expect(pick({ action: 'channel.promoted', actor: 'alice' })).toEqual([
      'web-base channel.promoted alice',
      'base-al2023 channel.promoted alice',
    ]);
    expect(pick({ action: 'channel.' })).toEqual([]);
    expect(pick({ actor: 'bob' })).toEqual(['web-base channel.rolled-back bob']);
  });

  it('exits 3 for what is not found, 4 for a refused or missing credential, 5 for a service down', async () => {
    const out = { line: () => undefined, error: () => undefined };
    const answering = (status: number) =>
      (async () =>
        new Response(JSON.stringify({ title: 'x', detail: 'y' }), { status })) as typeof fetch;
    const env = { AUTH_JWT_SECRET: 's' };
    const run = (argv: string[], f: typeof fetch, e: Record<string, string> = env) =>
      runAmictl(argv, { out, fetch: f, env: e });
    expect(await run(['family', 'show', 'x'], answering(404))).toBe(3);
    expect(await run(['family', 'list'], answering(403))).toBe(4);
    expect(await run(['family', 'list'], answering(401))).toBe(4);
    expect(await run(['family', 'list'], answering(409))).toBe(1);
    expect(await run(['family', 'list'], answering(200), {})).toBe(4);
    const refusing = (async () => {
      throw new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') });
    }) as unknown as typeof fetch;
    expect(await run(['family', 'list'], refusing)).toBe(5);
  });

  it('diffs a spec file against the catalog: exit 10 with changes, 0 without, all added if new', async () => {
    const lines: string[] = [];
    const out = { line: (t = '') => lines.push(t), error: () => undefined };
    const spec = readFileSync('examples/families/web-base.yaml', 'utf8');
    const file = join(mkdtempSync(join(tmpdir(), 'amictl-diff-')), 'spec.yaml');
    writeFileSync(file, spec);
    const parsed = validateSpecText(spec);
    if (!parsed.ok) throw new Error('the example spec is valid');
    const catalog = (stored: unknown) =>
      (async () =>
        stored === undefined
          ? new Response(JSON.stringify({ title: 'Not Found' }), { status: 404 })
          : new Response(JSON.stringify({ spec: stored }), { status: 200 })) as typeof fetch;
    const run = (stored: unknown) =>
      runAmictl(['family', 'diff', '-f', file], {
        out,
        fetch: catalog(stored),
        env: { AUTH_JWT_SECRET: 's' },
      });
    expect(await run(parsed.spec)).toBe(0);
    expect(lines.at(-1)).toBe('0 to add, 0 to change, 0 to remove');
    lines.length = 0;
    expect(await run({ ...parsed.spec, owner: 'someone-else', retired: true })).toBe(10);
    expect(lines).toEqual([
      `~ owner: someone-else -> ${(parsed.spec as any).owner}`,
      '- retired: true',
      '0 to add, 1 to change, 1 to remove',
    ]);
    lines.length = 0;
    expect(await run(undefined)).toBe(10);
    expect(lines.slice(0, -1).every((l) => l.startsWith('+ '))).toBe(true);
    expect(lines.at(-1)).toMatch(
      /^family web-base is not in the catalog: \d+ to add, 0 to change, 0 to remove$/,
    );
  });

  it('describes a dead letter by the headers the transport wrote, and the event it carried', () => {
    const headers = {
      'x-dlq-kind': 'invalid-payload',
      'x-dlq-reason': 'invalid ami.rebuild.requested payload: family: Required',
      'x-dlq-original-topic': 'ami.rebuild-requests.v1',
      'x-dlq-original-offset': '41',
      'x-dlq-attempts': '0',
      'x-dlq-consumer-group': 'builder',
      'x-dlq-failed-at': '2026-12-04T15:00:00.000Z',
      'x-replay-count': Buffer.from('2'),
    };
    const event = { id: 'ev-1', type: 'ami.rebuild.requested', data: {} };
    expect(
      describeDeadLetter('ami.rebuild-requests.v1.dlq', 0, {
        offset: '7',
        headers,
        value: Buffer.from(JSON.stringify(event)),
        timestamp: '0',
      }),
    ).toMatchObject({
      dlq: 'ami.rebuild-requests.v1.dlq',
      offset: '7',
      topic: 'ami.rebuild-requests.v1',
      originalOffset: '41',
      time: '2026-12-04T15:00:00.000Z',
      kind: 'invalid-payload',
      consumerGroup: 'builder',
      attempts: 0,
      replays: 2,
      eventType: 'ami.rebuild.requested',
      eventId: 'ev-1',
    });
    const binary = describeDeadLetter('ami.builder.builds.v1.dlq', 1, {
      offset: '3',
      headers: { ce_type: 'ami.build.succeeded', ce_id: 'b-1' },
      value: Buffer.from('not json'),
      timestamp: String(Date.parse('2026-12-04T15:01:00Z')),
    });
    expect(binary).toMatchObject({
      topic: 'ami.builder.builds.v1',
      time: '2026-12-04T15:01:00.000Z',
      eventType: 'ami.build.succeeded',
      eventId: 'b-1',
      replays: 0,
      value: 'not json',
    });
    expect(dlqOf('ami.audit.v1')).toBe('ami.audit.v1.dlq');
    expect(dlqOf('ami.audit.v1.dlq')).toBe('ami.audit.v1.dlq');
    expect(originalOf('ami.audit.v1.dlq')).toBe('ami.audit.v1');
  });

  it('refuses to replay without the super user, exit 4, before reaching the bus', async () => {
    const errors: string[] = [];
    const out = { line: () => undefined, error: (t: string) => errors.push(t) };
    expect(await runAmictl(['dlq', 'replay', 'ami.rebuild-requests.v1'], { out, env: {} })).toBe(4);
    expect(errors.join('\n')).toMatch(/super user: missing KAFKA_SASL_USERNAME/);
  });
});
