import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken } from '@ami/auth';
import {
  eventually,
  FidelityForTest,
  freePort,
  LOCAL_AUTH_SECRET,
  ServiceProcess,
  startFidelityForTest,
  startServiceProcess,
  testEnv,
  testKafka,
  uniqueName,
  waitReady,
} from '@ami/testing';
import { amictlFor, type Amictl } from './support/amictl.js';
import { FAST_BUILDER_ENV } from './support/journey.js';

const AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/**
 * An operator's day with amictl against the five services as processes: status, a spec
 * validated and applied, a rebuild followed to its image, the copy to a second region,
 * promotion and resolve, sharing, findings, a retention dry run, revocation; and the
 * platform's refusals (unknown version, bad region, missing role) as clear messages.
 */
describe('amictl against the running platform', () => {
  let fidelity: FidelityForTest;
  const services: ServiceProcess[] = [];
  let amictl: Amictl;
  const family = uniqueName('e2e-ctl');
  const owner = uniqueName('ctl-owner');
  let version: string;
  let imageId: string;
  // the builder's consumer group, to tell its dead letters from other consumers'
  const builderGroup = uniqueName('builder-ctl');

  beforeAll(async () => {
    fidelity = await startFidelityForTest({ pendingMs: 1000 });
    const env = { AWS_ENDPOINT_URL: fidelity.url };
    services.push(
      ...(await Promise.all([
        startServiceProcess('catalog', env),
        startServiceProcess('builder', {
          ...env,
          ...FAST_BUILDER_ENV,
          KAFKA_GROUP_ID: builderGroup,
        }),
        startServiceProcess('replicator', {
          ...env,
          COPY_POLL_INTERVAL_MS: '300',
          COPY_WORKER_INTERVAL_MS: '100',
        }),
        startServiceProcess('permissions', { ...env, PERMISSIONS_WORKER_INTERVAL_MS: '200' }),
        startServiceProcess('maintenance-scanner', { ...env, SCAN_WORKER_INTERVAL_MS: '200' }),
      ])),
    );
    await Promise.all(services.map((s) => waitReady(s)));
    amictl = amictlFor(services, 'ctl-operator');
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await fidelity?.close();
  });

  it('reports every service ready, and one that does not answer as down (exit 5)', async () => {
    const up = await amictl(['status']);
    expect(up.code).toBe(0);
    for (const name of ['catalog', 'builder', 'replicator', 'permissions', 'maintenance-scanner'])
      expect(up.stdout).toMatch(new RegExp(`^${name}\\s+http://127\\.0\\.0\\.1:\\d+\\s+ok`, 'm'));

    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await amictl(['status'], { REPLICATOR_URL: closed });
    expect(down.code).toBe(5);
    expect(down.stdout).toMatch(new RegExp(`^replicator\\s+${closed}\\s+down`, 'm'));
    const unreachable = await amictl(['family', 'list'], { CATALOG_URL: closed });
    expect(unreachable.code).toBe(5);
    expect(unreachable.stderr).toMatch(/cannot reach the catalog/);
  });

  it('validates and applies a spec from a file, once per change', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'amictl-')), `${family}.yaml`);
    writeFileSync(
      file,
      [
        `name: ${family}`,
        `owner: ${owner}`,
        'description: built by amictl',
        `source: { ssmParameter: ${AL2023} }`,
        'build:',
        '  region: us-east-1',
        '  customisation: { steps: [{ name: hello, run: echo hello }] }',
        'distribution: { regions: [us-east-1, eu-west-1] }',
        'sharing: { accounts: ["111122223333"] }',
        '',
      ].join('\n'),
    );
    expect((await amictl(['family', 'validate', '-f', file])).stdout).toContain(
      `a valid spec of family ${family}`,
    );
    const unknown = await amictl(['family', 'diff', '-f', file]);
    expect(unknown.code).toBe(10);
    expect(unknown.stdout).toContain(`+ owner: ${owner}\n`);
    expect(unknown.stdout).toContain('+ distribution.regions: ["us-east-1","eu-west-1"]\n');
    expect(unknown.stdout).toMatch(
      new RegExp(
        `family ${family} is not in the catalog: \\d+ to add, 0 to change, 0 to remove\\n$`,
      ),
    );
    const applied = await amictl(['family', 'apply', '-f', file]);
    expect(applied).toMatchObject({ code: 0, stdout: `family ${family}: spec version 1\n` });
    expect((await amictl(['family', 'apply', '-f', file])).stdout).toBe(
      `family ${family}: spec version 1 (unchanged)\n`,
    );
    expect(await amictl(['family', 'diff', '-f', file])).toMatchObject({
      code: 0,
      stdout: '0 to add, 0 to change, 0 to remove\n',
    });
    const changed = `${file}.changed.yaml`;
    writeFileSync(
      changed,
      readFileSync(file, 'utf8')
        .replace('description: built by amictl', 'description: built by amictl, resized')
        .replace('region: us-east-1', 'region: us-east-1\n  instanceType: t3.small')
        .replace('[us-east-1, eu-west-1]', '[us-east-1, eu-west-1, ap-south-1]')
        .replace('run: echo hello }', 'run: echo hello }, { name: bye, run: echo bye }'),
    );
    // both sides as the catalog holds them: the file's defaults (instanceType t3.micro) filled in
    const diff = await amictl(['family', 'diff', '-f', changed]);
    expect(diff.code).toBe(10);
    expect(diff.stdout.trimEnd().split('\n').sort()).toEqual(
      [
        '+ build.customisation.steps[1].name: bye',
        '+ build.customisation.steps[1].run: echo bye',
        '~ build.instanceType: t3.micro -> t3.small',
        '~ description: built by amictl -> built by amictl, resized',
        '~ distribution.regions: ["us-east-1","eu-west-1"] -> ["us-east-1","eu-west-1","ap-south-1"]',
        '2 to add, 3 to change, 0 to remove',
      ].sort(),
    );
    expect(diff.stdout).toMatch(/\n2 to add, 3 to change, 0 to remove\n$/);
    const asJson = JSON.parse((await amictl(['family', 'diff', '-f', changed, '--json'])).stdout);
    expect(asJson).toContainEqual({
      op: 'change',
      path: 'build.instanceType',
      before: 't3.micro',
      after: 't3.small',
    });
    const listed = await amictl(['family', 'list', '--owner', owner]);
    expect(listed.stdout).toMatch(new RegExp(`^${family}\\s+${owner}\\s+1\\s+-`, 'm'));
  });

  it('requests a rebuild and follows it to the new image, then finds it in the catalog', async () => {
    const rebuilt = await amictl([
      'rebuild',
      family,
      '--reason',
      'first build',
      '--wait',
      '--interval',
      '250',
      '--timeout',
      '150',
    ]);
    expect(rebuilt.stderr).toBe('');
    expect(rebuilt.code).toBe(0);
    // a line for each step the watch saw (how many depends on how fast the build goes)
    expect(rebuilt.stdout).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}(queued|running) +[a-z-]+$/m,
    );
    const done = /build \S+ succeeded: \S+ (\S+) is (ami-[0-9a-f]+)/.exec(rebuilt.stdout);
    expect(done).not.toBeNull();
    [, version, imageId] = done!;

    const latest = await amictl([
      'resolve',
      family,
      '--channel',
      'latest',
      '--region',
      'us-east-1',
      '-q',
    ]);
    expect(latest).toMatchObject({ code: 0, stdout: `${imageId}\n` });
    const builds = await amictl(['build', 'list', '--family', family]);
    expect(builds.stdout).toMatch(new RegExp(`\\s${family}\\s+succeeded\\s+publish\\s+${version}`));
  });

  it('promotes the version once its copy to the second region is there, and resolves prod there', async () => {
    // promote --wait retries while the catalog refuses for a copy still on its way
    const promoted = await amictl([
      'channel',
      'promote',
      family,
      'prod',
      version,
      '--wait',
      '--reason',
      'ship it',
    ]);
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toMatch(
      new RegExp(
        `^(waiting for the copies in eu-west-1\\n)?${family} prod: \\(none\\) -> ${version}\\n$`,
      ),
    );
    const copies = (await amictl(['copy', 'list', '--family', family])).stdout;
    expect(copies).toMatch(/eu-west-1\s+\(platform\)\s+succeeded\s+ami-/);
    const shown = JSON.parse((await amictl(['--json', 'version', 'show', family, version])).stdout);
    expect(shown.copies.map((c: any) => [c.region, c.state]).sort()).toEqual([
      ['eu-west-1', 'available'],
      ['us-east-1', 'available'],
    ]);
    expect((await amictl(['version', 'list', family, '-q'])).stdout).toBe(`${version}\n`);
    const euImage = shown.copies.find((c: any) => c.region === 'eu-west-1').imageId;
    expect((await amictl(['resolve', family, '--region', 'eu-west-1', '-q'])).stdout).toBe(
      `${euImage}\n`,
    );
    const history = await amictl(['channel', 'history', family, 'prod']);
    expect(history.stdout).toMatch(
      new RegExp(`promote\\s+${version}\\s+-\\s+ctl-operator\\s+ship it`),
    );
    const channels = await amictl(['channel', 'list', family]);
    expect(channels.stdout).toMatch(new RegExp(`^prod\\s+${version}\\s+no`, 'm'));
  });

  it("reads the family's audit trail in order: spec, rebuild, promotion by the operator", async () => {
    const promotedLine = new RegExp(
      `ctl-operator {2}channel\\.promoted {2}${family} prod ${version}.*\\(ship it\\)`,
    );
    let lines: string[] = [];
    // the audit entry reaches Kafka through the catalog's outbox, a moment after the answer
    await eventually(
      async () => {
        const audit = await amictl(['audit', family, '--limit', '50']);
        lines = audit.stdout.trimEnd().split('\n');
        return audit.code === 0 && lines.some((l) => promotedLine.test(l));
      },
      30_000,
      () => `the promotion on the audit stream, in:\n${lines.join('\n')}`,
    );
    expect(lines.every((l) => l.includes(` ${family}`))).toBe(true);
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const applied = at(/ctl-operator {2}family-spec\.applied/);
    expect(applied).toBeGreaterThanOrEqual(0);
    expect(at(/ctl-operator {2}rebuild\.requested/)).toBeGreaterThan(applied);
    expect(at(promotedLine)).toBeGreaterThan(at(/ctl-operator {2}rebuild\.requested/));
    const last = JSON.parse((await amictl(['audit', family, '--limit', '1', '--json'])).stdout);
    expect(last).toMatchObject({ family, source: expect.stringMatching(/^\/ami\//) });

    // the documented form, filtered: by an action prefix, an exact action, an actor
    const channelMoves = await amictl(['audit', 'tail', family, '--action', 'channel.*']);
    expect(channelMoves.code).toBe(0);
    const moves = channelMoves.stdout.trimEnd().split('\n');
    expect(moves.some((l) => promotedLine.test(l))).toBe(true);
    expect(moves.every((l) => / {2}channel\.\S+ {2}/.test(l))).toBe(true);
    const specs = await amictl([
      'audit',
      'tail',
      family,
      '--action',
      'family-spec.applied',
      '--actor',
      'ctl-operator',
      '--json',
    ]);
    const applies = specs.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(applies.length).toBeGreaterThanOrEqual(1);
    expect(
      applies.every((e) => e.action === 'family-spec.applied' && e.actor === 'ctl-operator'),
    ).toBe(true);
    expect((await amictl(['audit', 'tail', family, '--actor', 'nobody-at-all'])).stdout).toBe('');
  });

  it('shows the launch permissions the spec asks for on each copy', async () => {
    await eventually(
      async () => {
        const sharing = await amictl(['permissions', 'show', family]);
        const lines = sharing.stdout.split('\n').filter((l) => l.startsWith(version));
        return lines.length === 2 && lines.every((l) => /111122223333\s+111122223333/.test(l));
      },
      60_000,
      'both copies shared with 111122223333',
    );
  });

  it('shows what the scanner found, and a retention dry run that touches nothing', async () => {
    await amictl(['maintenance', 'scan', family]);
    await eventually(
      async () => {
        const findings = await amictl(['maintenance', 'findings', family]);
        return new RegExp(`^${family}\\s+${version}\\s`, 'm').test(findings.stdout);
      },
      60_000,
      'findings naming the new version',
    );
    const plan = await amictl(['retention', 'plan', family]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/deprecate 0, disable 0, deregister 0, delete snapshots 0/);
    expect(plan.stdout).toContain(`keeps ${version}`);
  });

  it('says clearly what the platform refused: 3 not found, 1 refused, 4 forbidden or no credentials', async () => {
    const missing = await amictl(['version', 'show', family, '2020.01.01-1']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^amictl: the catalog answered 404 to GET \/v1\/families\/.+: /);

    const badRegion = await amictl(['resolve', family, '--region', 'middle-earth']);
    expect(badRegion.code).toBe(1);
    expect(badRegion.stderr).toMatch(/answered 400.*\n\s+region: /);

    const reader = await mintToken({
      subject: 'ctl-reader',
      roles: ['reader'],
      secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
      expiresIn: 600,
    });
    const refused = await amictl(['channel', 'protect', family, 'prod'], { AMI_TOKEN: reader });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/answered 403[\s\S]*needs the admin role/);

    const noCredentials = await amictl(['family', 'list'], { AUTH_JWT_SECRET: undefined });
    expect(noCredentials.code).toBe(4);
    expect(noCredentials.stderr).toMatch(/no credentials: set AMI_TOKEN/);
  });

  it('lists a poison message in its .dlq as ops see it, and replays it: the builder dead-letters it again', async () => {
    const marker = uniqueName('poison');
    const producer = testKafka('ctl-poison', { principal: 'ami-producer' }).producer();
    await producer.connect();
    try {
      // a CI pipeline's broken rebuild request: not JSON at all
      await producer.send({
        topic: 'ami.rebuild-requests.v1',
        messages: [{ key: family, value: `{"not json": ${marker}` }],
      });
    } finally {
      await producer.disconnect();
    }
    const ours = async () => {
      const listed = await amictl([
        'dlq',
        'list',
        '--topic',
        'ami.rebuild-requests.v1.dlq',
        // a replay moves the whole backlog (other runs' letters too): read far enough back
        '--limit',
        '20000',
        '--json',
      ]);
      // (kafkajs may warn on stderr about its own timers; amictl's errors start with amictl:)
      expect(listed.stderr).not.toMatch(/amictl:/);
      expect(listed.code).toBe(0);
      return (JSON.parse(listed.stdout) as any[]).filter(
        (l) => l.value.includes(marker) && l.consumerGroup === builderGroup,
      );
    };
    let letters: any[] = [];
    await eventually(
      async () => (letters = await ours()).length === 1,
      60_000,
      () => `the poison message in ami.rebuild-requests.v1.dlq, got ${JSON.stringify(letters)}`,
    );
    expect(letters[0]).toMatchObject({
      dlq: 'ami.rebuild-requests.v1.dlq',
      topic: 'ami.rebuild-requests.v1',
      kind: 'malformed-json',
      reason: expect.stringMatching(/not JSON/),
      replays: 0,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const table = await amictl(['dlq', 'list', '--topic', 'ami.rebuild-requests.v1']);
    expect(table.stdout).toMatch(
      new RegExp(
        `^ami\\.rebuild-requests\\.v1\\.dlq\\s+\\d+/${letters[0].offset}\\s+\\S+ \\S+\\s+malformed-json`,
        'm',
      ),
    );

    // ops may read the dead letters, not write the topics back: replay needs the super user
    const asOps = await amictl(['dlq', 'replay', 'ami.rebuild-requests.v1']);
    expect(asOps.code).toBe(4);
    expect(asOps.stderr).toMatch(/super user/);
    const replayed = await amictl(['dlq', 'replay', 'ami.rebuild-requests.v1.dlq'], {
      KAFKA_SASL_USERNAME: 'ami-admin',
      KAFKA_SASL_PASSWORD: testEnv().kafkaPassword('ami-admin'),
    });
    expect(replayed.stderr).not.toMatch(/amictl:/);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(
      /^ami\.rebuild-requests\.v1\.dlq: replayed [1-9]\d* \(\d+ to ami\.rebuild-requests\.v1\)$/m,
    );
    // back on its topic it is still not JSON: the builder dead-letters it again, counted as replayed once
    await eventually(
      async () => (letters = await ours()).length === 2,
      60_000,
      () => `the replayed poison message dead-lettered again, got ${JSON.stringify(letters)}`,
    );
    expect(letters.map((l) => l.replays).sort()).toEqual([0, 1]);
    expect(letters[1]).toMatchObject({ kind: 'malformed-json', topic: 'ami.rebuild-requests.v1' });
  });

  it('revokes the version: prod falls back to nothing and resolve refuses it', async () => {
    const revoked = await amictl([
      'version',
      'revoke',
      family,
      version,
      '--reason',
      'CVE in openssl',
    ]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('channel prod fell back to nothing (resolve refuses it)');
    const refused = await amictl(['resolve', family, '--region', 'us-east-1']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/answered 404/);
    expect((await amictl(['version', 'list', family])).stdout).toContain(`${version} (revoked)`);
  });
});
