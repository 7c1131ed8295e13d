import { readFileSync } from 'node:fs';
import { Credentials } from './credentials.js';
import { serviceUrl } from './endpoints.js';
import { CliError, UsageError } from './errors.js';
import { describeFindings } from './commands/maintenance.js';
import { auditLine } from './commands/audit.js';
import { parseEntry } from './audit-reader.js';
import { validateSpecText } from './commands/families.js';
import { table } from './output.js';
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
});
