import type { Command } from 'commander';
import { nextPageHint, positiveInt, seg, type Cli } from '../cli.js';
import { buildForRequest, watchBuild, type WatchOptions } from '../build-watch.js';
import { CliError } from '../errors.js';
import { table, when } from '../output.js';

const watchOptions = (cmd: Command) =>
  cmd
    .option('--interval <ms>', 'how often to look, while waiting', positiveInt, 2000)
    .option('--timeout <s>', 'how long to wait', positiveInt, 3600);

const waitOf = (opts: any): WatchOptions => ({ intervalMs: opts.interval, timeoutS: opts.timeout });

/** `amictl rebuild` (the catalog's event path) and `amictl build …` (the builder's builds). */
export function registerBuilds(program: Command, cli: () => Cli): void {
  watchOptions(
    program
      .command('rebuild <family>')
      .description(
        'request a rebuild on ami.rebuild-requests.v1, as CI or a CVE feed would (operator)',
      )
      .requiredOption('--reason <why>', 'why the family is rebuilt (audited)')
      .option('--key <idempotency-key>', 'asked twice with one key, built once')
      .option('--force', 'build even if the source and recipe did not change')
      .option('--wait', 'follow the build it starts until it finishes'),
  ).action(async (family: string, opts) => {
    const c = cli();
    const r = await c.api.call('catalog', {
      method: 'POST',
      path: `/v1/families/${seg(family)}/rebuilds`,
      role: 'operator',
      body: {
        reason: opts.reason,
        ...(opts.key ? { idempotencyKey: opts.key } : {}),
        ...(opts.force ? { force: true } : {}),
      },
    });
    if (!opts.wait)
      return c.emit(r, () =>
        c.out.line(
          `rebuild of ${r.family} requested (request ${r.requestId}); follow it: amictl build list --family ${r.family}`,
        ),
      );
    if (!c.json) c.out.line(`rebuild of ${r.family} requested (request ${r.requestId})`);
    const buildId = await buildForRequest(c, family, r.requestId, waitOf(opts));
    if (!c.json) c.out.line(`build ${buildId}`);
    await watchBuild(c, buildId, waitOf(opts));
  });

  const build = program.command('build').description("the builder's builds");

  build
    .command('list')
    .description('builds, newest first')
    .option('--family <family>', 'only this family')
    .option('--state <state>', 'queued, running, succeeded, failed, rejected, skipped or cancelled')
    .option('--limit <n>', 'builds per page', positiveInt)
    .option('--cursor <cursor>', 'the page after this cursor')
    .action(async (opts) => {
      const c = cli();
      const page = await c.api.call('builder', {
        path: '/v1/builds',
        query: { family: opts.family, state: opts.state, limit: opts.limit, cursor: opts.cursor },
      });
      c.emit(page, (p: any) => {
        c.lines(
          table(
            ['build', 'family', 'state', 'step', 'version', 'created', 'reason'],
            p.items.map((b: any) => [
              b.id,
              b.family,
              b.state,
              b.step,
              b.version,
              when(b.createdAt),
              b.failureReason ?? b.reason,
            ]),
          ),
        );
        nextPageHint(c, p.nextCursor);
      });
    });

  build
    .command('show <build-id>')
    .description('a build with the time spent in each step')
    .action(async (id: string) => {
      const c = cli();
      const b = await c.api.call('builder', { path: `/v1/builds/${seg(id)}` });
      c.emit(b, () => {
        c.lines([
          `build ${b.id} of ${b.family}: ${b.state} at ${b.step}${b.cancelRequested && b.state === 'running' ? ' (cancel requested)' : ''}`,
          `  requested by ${b.requestedBy} ${when(b.createdAt)}: ${b.reason}`,
          `  source ${b.source?.imageId ?? '-'}${b.source?.parent ? ` (${b.source.parent.family} ${b.source.parent.version})` : ''}, spec version ${b.specVersion}`,
          ...(b.imageId
            ? [`  image ${b.imageId} ${b.imageName ?? ''} version ${b.version ?? '-'}`]
            : []),
          ...(b.failureReason ? [`  failed at ${b.failedStep}: ${b.failureReason}`] : []),
          ...table(
            ['step', 'status', 'attempt', 'started', 'seconds'],
            b.steps.map((s: any) => [s.step, s.status, s.attempt, when(s.startedAt), s.seconds]),
          ).map((l) => `  ${l}`),
        ]);
      });
    });

  watchOptions(
    build
      .command('start <family>')
      .description('start a build on the builder directly (operator); joins a running one')
      .requiredOption('--reason <why>', 'why the family is built (audited)')
      .option('--key <idempotency-key>', 'asked twice with one key, built once')
      .option('--force', 'build even if the source and recipe did not change')
      .option('--wait', 'follow the build until it finishes'),
  ).action(async (family: string, opts) => {
    const c = cli();
    const outcome = await c.api.call('builder', {
      method: 'POST',
      path: '/v1/builds',
      role: 'operator',
      body: {
        family,
        reason: opts.reason,
        ...(opts.key ? { idempotencyKey: opts.key } : {}),
        ...(opts.force ? { force: true } : {}),
      },
    });
    await startedOrJoined(c, outcome, opts);
  });

  watchOptions(
    build
      .command('watch <build-id>')
      .description('follow a build until it finishes; exits 1 unless it succeeded'),
  ).action(async (id: string, opts) => {
    await watchBuild(cli(), id, waitOf(opts));
  });

  build
    .command('cancel <build-id>')
    .description('cancel a queued or running build (operator); what it made is cleaned up')
    .action(async (id: string) => {
      const c = cli();
      const b = await c.api.call('builder', {
        method: 'POST',
        path: `/v1/builds/${seg(id)}/cancel`,
        role: 'operator',
      });
      c.emit(b, () => c.out.line(`build ${b.id}: cancel requested (${b.state} at ${b.step})`));
    });

  watchOptions(
    build
      .command('retry <build-id>')
      .description('build again like a failed, cancelled or rejected build (operator)')
      .option('--wait', 'follow the new build until it finishes'),
  ).action(async (id: string, opts) => {
    const c = cli();
    const outcome = await c.api.call('builder', {
      method: 'POST',
      path: `/v1/builds/${seg(id)}/retry`,
      role: 'operator',
    });
    await startedOrJoined(c, outcome, opts);
  });
}

async function startedOrJoined(c: Cli, outcome: any, opts: any): Promise<void> {
  if (outcome.outcome === 'rejected') {
    if (c.json) c.out.line(JSON.stringify(outcome, null, 2));
    throw new CliError(`the builder rejected the build: ${outcome.reason}`);
  }
  const said =
    outcome.outcome === 'duplicate'
      ? `joined build ${outcome.buildId}: ${outcome.why}`
      : `build ${outcome.buildId} started`;
  if (!opts.wait)
    return c.emit(outcome, () =>
      c.out.line(`${said}; follow it: amictl build watch ${outcome.buildId}`),
    );
  if (!c.json) c.out.line(said);
  await watchBuild(c, outcome.buildId, waitOf(opts));
}
