import type { Cli } from './cli.js';
import { seg } from './cli.js';
import { CliError } from './errors.js';
import { when } from './output.js';

export const FINISHED = ['succeeded', 'failed', 'rejected', 'skipped', 'cancelled'];

export interface WatchOptions {
  intervalMs: number;
  timeoutS: number;
}

/**
 * Follows a build until it finishes, a line per step it enters; resolves with the finished
 * build, and fails (exit 1) unless it succeeded, so that `&&` in a script stops there.
 */
export async function watchBuild(c: Cli, buildId: string, opts: WatchOptions): Promise<any> {
  const deadline = Date.now() + opts.timeoutS * 1000;
  let last = '';
  for (;;) {
    const build = await c.api.call('builder', { path: `/v1/builds/${seg(buildId)}` });
    const now = `${build.state} ${build.step} ${build.stepAttempt}`;
    if (now !== last && !c.json) {
      const attempt = build.stepAttempt > 1 ? ` (attempt ${build.stepAttempt})` : '';
      c.out.line(`${when(build.stepStartedAt)}  ${build.state.padEnd(9)} ${build.step}${attempt}`);
    }
    last = now;
    if (FINISHED.includes(build.state)) return finished(c, build);
    if (Date.now() > deadline)
      throw new CliError(
        `build ${buildId} is still ${build.state} at ${build.step} after ${opts.timeoutS} s; follow it with: amictl build watch ${buildId}`,
      );
    await c.sleep(opts.intervalMs);
  }
}

function finished(c: Cli, build: any): any {
  c.emit(build, (b) => {
    if (b.state === 'succeeded')
      c.out.line(`build ${b.id} succeeded: ${b.family} ${b.version} is ${b.imageId}`);
  });
  if (build.state !== 'succeeded')
    throw new CliError(
      `build ${build.id} ${build.state}${build.failedStep ? ` at ${build.failedStep}` : ''}: ${build.failureReason ?? build.reason}`,
    );
  return build;
}

/**
 * The build the builder started for a rebuild request published on Kafka (by the catalog):
 * found by the request's id on the builder's list of the family's builds.
 */
export async function buildForRequest(
  c: Cli,
  family: string,
  requestId: string,
  opts: WatchOptions,
): Promise<string> {
  const deadline = Date.now() + opts.timeoutS * 1000;
  for (;;) {
    const page = await c.api.call('builder', {
      path: '/v1/builds',
      query: { family, limit: 50 },
    });
    const build = page.items.find((b: any) => b.requestId === requestId);
    if (build) return build.id;
    if (Date.now() > deadline)
      throw new CliError(
        `no build took request ${requestId} within ${opts.timeoutS} s: it may have joined a running build (amictl build list --family ${family})`,
      );
    await c.sleep(opts.intervalMs);
  }
}
