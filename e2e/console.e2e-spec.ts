import { EC2Client, ModifyImageAttributeCommand } from '@aws-sdk/client-ec2';
import type { Browser, Page } from 'playwright-core';
import { mintToken, type Role } from '@ami/auth';
import {
  eventually,
  FidelityForTest,
  LOCAL_AUTH_SECRET,
  ServiceProcess,
  startFidelityForTest,
  startServiceProcess,
  testEnv,
  uniqueName,
  waitReady,
} from '@ami/testing';
import { launchChromium, screenshot, signedInPage } from './support/console-browser.js';
import { adminCalls, FAST_BUILDER_ENV } from './support/journey.js';

const AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
const REGIONS = ['eu-west-1', 'us-east-1'];
const SHARED_WITH = '111122223333';
const OUTSIDER = '999988887777';

const tokenFor = (role: Role, subject: string) =>
  mintToken({
    subject,
    roles: [role],
    secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
    expiresIn: 900,
  });

/**
 * The ops console in headless Chromium against the platform as processes: a family built on the
 * EC2 emulator and copied to a second region is seen in the families list, its build's steps,
 * the versions x regions matrix; an operator promotes it and the channel history and the live
 * audit feed show it; a reader cannot; lineage, permission drift and a retention plan show the
 * services' real answers.
 */
describe('the console shows the platform and moves channels, in a browser', () => {
  let fidelity: FidelityForTest;
  let browser: Browser;
  const services: ServiceProcess[] = [];
  const shots: string[] = [];
  const pages: Page[] = [];
  const signIn = async (url: string, token: string) => {
    const page = await signedInPage(browser, url, token);
    pages.push(page);
    return page;
  };
  beforeAll(async () => {
    fidelity = await startFidelityForTest({ pendingMs: 1500 });
    browser = await launchChromium();
  });
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const [i, page] of pages.entries())
      shots.push(await screenshot(page, `failed-tab-${i + 1}`));
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(services.map((s) => s.stop()));
    await fidelity?.close();
    if (shots.length) console.log(`console screenshots:\n  ${shots.join('\n  ')}`);
  });

  it('from a pasted token to a promotion seen live in the audit feed', async () => {
    const env = { AWS_ENDPOINT_URL: fidelity.url };
    const catalog = await startServiceProcess('catalog', env);
    const builder = await startServiceProcess('builder', { ...env, ...FAST_BUILDER_ENV });
    const replicator = await startServiceProcess('replicator', {
      ...env,
      COPY_POLL_INTERVAL_MS: '300',
      COPY_WORKER_INTERVAL_MS: '100',
    });
    const permissions = await startServiceProcess('permissions', {
      ...env,
      PERMISSIONS_WORKER_INTERVAL_MS: '200',
    });
    const scanner = await startServiceProcess('maintenance-scanner', env);
    services.push(catalog, builder, replicator, permissions, scanner);
    const consoleApp = await startServiceProcess('console', {
      KAFKA_SASL_USERNAME: 'ami-ops',
      KAFKA_SASL_PASSWORD: testEnv().kafkaPassword('ami-ops'),
      KAFKA_GROUP_ID: uniqueName('ami-ops-console-e2e'),
      CATALOG_URL: catalog.url,
      BUILDER_URL: builder.url,
      REPLICATOR_URL: replicator.url,
      PERMISSIONS_URL: permissions.url,
      MAINTENANCE_SCANNER_URL: scanner.url,
    });
    services.push(consoleApp);
    await Promise.all(services.map((s) => waitReady(s)));
    const call = await adminCalls();
    const [operator, reader] = await Promise.all([
      tokenFor('operator', 'console-operator'),
      tokenFor('reader', 'console-reader'),
    ]);

    // The audit stream wants a token like every API, here in the query (EventSource).
    expect((await fetch(`${consoleApp.url}/v1/audit/stream`)).status).toBe(401);
    // A stream ends when its token expires: the browser must come back with a valid one.
    const shortLived = await mintToken({
      subject: 'console-brief',
      roles: ['reader'],
      secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
      expiresIn: 2,
    });
    const brief = await fetch(`${consoleApp.url}/v1/audit/stream?access_token=${shortLived}`);
    expect(brief.headers.get('content-type')).toContain('text/event-stream');
    await expect(brief.text()).resolves.toContain(': connected');
    const badFilter = await fetch(`${consoleApp.url}/v1/audit/stream?family=Not_A_Family`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.headers.get('content-type')).toContain('application/problem+json');

    const family = uniqueName('console');
    const applied = await call(catalog.url, 'POST', '/v1/specs', {
      name: family,
      owner: `team-${family}`,
      description: 'golden image shown in the console',
      source: { ssmParameter: AL2023 },
      build: { region: 'us-east-1', customisation: { steps: [{ name: 'hi', run: 'echo hi' }] } },
      distribution: { regions: REGIONS },
      sharing: { accounts: [SHARED_WITH] },
      maintenance: { keepLatest: 2, schedule: { cron: '0 3 1 1 *' } },
    });
    expect(applied.status).toBe(201);

    const page = await signIn(consoleApp.url, operator);
    await expect(page.locator('[data-testid=who]').textContent()).resolves.toContain('operator');
    // The shared catalog holds thousands of families: filter by the owner.
    await page.locator('input[name=owner]').fill(`team-${family}`);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator(`[data-testid=families] a:text-is("${family}")`).waitFor();
    shots.push(await screenshot(page, 'families'));

    // A build in flight: its current step and the time spent in each step so far.
    expect(
      (
        await call(catalog.url, 'POST', `/v1/families/${family}/rebuilds`, {
          reason: 'console e2e',
        })
      ).status,
    ).toBe(202);
    await page.goto(`${consoleApp.url}/#/builds`);
    const running = page.locator(`.build[data-state=running]:has(h3 a:text-is("${family}"))`);
    await running.locator('li.step.current').waitFor({ timeout: 60_000 });
    await expect(
      running.locator('li.step[data-step=resolve-source] .elapsed').textContent(),
    ).resolves.toMatch(/\d+ s/);
    shots.push(await screenshot(page, 'builds-in-flight'));

    const version = await availableEverywhere(call, catalog.url, family);
    const matrix = page.locator('[data-testid=matrix]');
    await page.goto(`${consoleApp.url}/#/families/${family}`);
    for (const region of REGIONS)
      await matrix
        .locator(`tr[data-version="${version.version}"] td[data-region=${region}] .state-available`)
        .waitFor();
    shots.push(await screenshot(page, 'matrix'));

    // A second tab follows the audit feed, filtered to the family.
    const feed = await signIn(consoleApp.url, operator);
    await feed.goto(`${consoleApp.url}/#/audit`);
    await feed.locator('input[name=family]').fill(family);
    await feed.getByRole('button', { name: 'Filter' }).click();
    await eventually(
      async () => (await feed.locator('[data-testid=feed-status]').textContent()) === 'live',
      15_000,
      'the audit feed to be live',
    );

    await page.goto(`${consoleApp.url}/#/families/${family}/channels`);
    await page.locator('select[name=version]').selectOption(version.version);
    await page.locator('input[name=channel]').fill('prod');
    await page.getByRole('button', { name: 'Promote' }).click();
    await page
      .locator('.done')
      .filter({ hasText: `prod now points at ${version.version}` })
      .waitFor();
    await page
      .locator(
        `[data-channel=prod] .history tr:has(td:text-is("promote")):has(td:text-is("console-operator"))`,
      )
      .waitFor();
    // Nothing to roll back to yet: the console shows the catalog's own refusal.
    await page.locator('[data-channel=prod] button:text-is("Roll back")').click();
    await page
      .locator('.problem')
      .filter({ hasText: 'no previous version to roll back to' })
      .waitFor();
    shots.push(await screenshot(page, 'channels'));

    const promoted = feed.locator('[data-testid=audit] tr[data-action="channel.promoted"]');
    await promoted.waitFor({ timeout: 30_000 });
    await expect(promoted.textContent()).resolves.toContain('console-operator');
    shots.push(await screenshot(feed, 'audit-feed'));

    await page.goto(`${consoleApp.url}/#/families/${family}/lineage/${version.version}`);
    const lineage = page.locator('[data-testid=lineage]');
    await lineage.locator('.node.current').filter({ hasText: version.version }).waitFor();
    await expect(lineage.locator('.node.source').textContent()).resolves.toContain(
      version.source.imageId,
    );
    shots.push(await screenshot(page, 'lineage'));

    await driftOutside(call, permissions.url, fidelity.url, family, version);
    await page.goto(`${consoleApp.url}/#/families/${family}/drift`);
    await page.locator('[data-testid=permissions]').filter({ hasText: SHARED_WITH }).waitFor();
    await page
      .locator('[data-testid=drift]')
      .filter({ hasText: `unexpected ${OUTSIDER}` })
      .waitFor();
    shots.push(await screenshot(page, 'drift'));

    await page.goto(`${consoleApp.url}/#/families/${family}/plan`);
    await page.getByRole('button', { name: 'Plan now (dry run)' }).click();
    const plan = page.locator('[data-testid=plan]');
    // Nothing to retire yet (one version, keepLatest 2): the plan is done at once and says why it keeps it.
    await plan.filter({ hasText: 'api by console-operator' }).waitFor();
    const kept = plan.locator('[data-testid=kept]');
    await expect(kept.textContent()).resolves.toContain(version.version);
    await expect(kept.textContent()).resolves.toContain('channel prod points to it');
    shots.push(await screenshot(page, 'retention-plan'));

    // A reader sees the channels but may not move them; the catalog refuses it anyway.
    const readerPage = await signIn(consoleApp.url, reader);
    await readerPage.goto(`${consoleApp.url}/#/families/${family}/channels`);
    await readerPage.locator('[data-channel=prod]').waitFor();
    expect(await readerPage.getByRole('button', { name: 'Promote' }).isDisabled()).toBe(true);
    expect(
      await readerPage.locator('[data-channel=prod] button:text-is("Roll back")').isDisabled(),
    ).toBe(true);
    const refused = await refusedPromotion(readerPage, family, version.version);
    expect(refused).toEqual({ status: 403, detail: 'requires role operator; you have reader' });
    shots.push(await screenshot(readerPage, 'channels-reader'));
  });
});

type Calls = Awaited<ReturnType<typeof adminCalls>>;

async function availableEverywhere(call: Calls, catalogUrl: string, family: string) {
  let version: any;
  await eventually(
    async () => {
      const items = (await call(catalogUrl, 'GET', `/v1/families/${family}/versions`)).body.items;
      version = items?.[0];
      const available = (version?.copies ?? []).filter((c: any) => c.state === 'available');
      return available.length === REGIONS.length;
    },
    150_000,
    () =>
      `a version of ${family} available in ${REGIONS.join(', ')} (now ${JSON.stringify(version?.copies ?? [])})`,
  );
  return version;
}

/** Someone shares a copy outside the platform; a reconcile finds it (and repairs it). */
async function driftOutside(
  call: Calls,
  permissionsUrl: string,
  endpoint: string,
  family: string,
  version: any,
) {
  await eventually(
    async () => {
      const view = await call(permissionsUrl, 'GET', `/v1/families/${family}/permissions`);
      const regions = view.body.versions?.[0]?.regions ?? [];
      return (
        regions.length === REGIONS.length &&
        regions.every((r: any) => r.actual?.accounts.includes(SHARED_WITH))
      );
    },
    60_000,
    `every copy shared with ${SHARED_WITH}`,
  );
  const copy = version.copies.find((c: any) => c.region === 'us-east-1');
  const ec2 = new EC2Client({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await ec2.send(
    new ModifyImageAttributeCommand({
      ImageId: copy.imageId,
      LaunchPermission: { Add: [{ UserId: OUTSIDER }] },
    }),
  );
  ec2.destroy();
  expect((await call(permissionsUrl, 'POST', `/v1/families/${family}/reconcile`, {})).status).toBe(
    202,
  );
  await eventually(
    async () =>
      (await call(permissionsUrl, 'GET', `/v1/families/${family}/drift`)).body.items?.length > 0,
    60_000,
    'the drift to be found',
  );
}

/** The reader's own token sent through the console's proxy, as the page sends it. */
function refusedPromotion(page: Page, family: string, version: string) {
  return page.evaluate(
    async ({ family, version }) => {
      const res = await fetch(`/api/catalog/v1/families/${family}/channels/prod/promote`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${sessionStorage.getItem('ami-console-token')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ version }),
      });
      return { status: res.status, detail: ((await res.json()) as { detail: string }).detail };
    },
    { family, version },
  );
}
