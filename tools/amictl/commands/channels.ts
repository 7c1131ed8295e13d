import type { Command } from 'commander';
import { positiveInt, seg, type Cli } from '../cli.js';
import { CliError } from '../errors.js';
import { table, when } from '../output.js';

/** `amictl channel …`: the dev/staging/prod pointers of a family, their history and moves. */
export function registerChannels(program: Command, cli: () => Cli): void {
  const channel = program
    .command('channel')
    .description("a family's channels (dev, staging, prod, …)");
  const path = (family: string, rest = '') => `/v1/families/${seg(family)}/channels${rest}`;

  channel
    .command('list <family>')
    .description('each channel and the version it points to')
    .action(async (family: string) => {
      const c = cli();
      const list = await c.api.call('catalog', { path: path(family) });
      c.emit(list, (l: any) =>
        c.lines(
          table(
            ['channel', 'version', 'protected', 'moved'],
            l.items.map((ch: any) => [
              ch.name,
              ch.version,
              ch.protected ? 'yes' : 'no',
              when(ch.updatedAt),
            ]),
          ),
        ),
      );
    });

  channel
    .command('history <family> <channel>')
    .description("a channel's moves, newest first: who, when, from which version, why")
    .action(async (family: string, name: string) => {
      const c = cli();
      const list = await c.api.call('catalog', { path: path(family, `/${seg(name)}/history`) });
      c.emit(list, (l: any) =>
        c.lines(
          table(
            ['at', 'movement', 'version', 'from', 'by', 'reason'],
            l.items.map((m: any) => [
              when(m.at),
              m.forced ? `${m.movement} (forced)` : m.movement,
              m.version,
              m.previousVersion,
              m.actor,
              m.reason,
            ]),
          ),
        ),
      );
    });

  channel
    .command('promote <family> <channel> <version>')
    .description('point a channel at a version (operator)')
    .option('--reason <why>', 'recorded in the history and on the audit stream')
    .option('--force', 'promote a version not yet available in every region of the family')
    .option('--wait', 'wait until the version is available in every region, then promote')
    .option('--timeout <s>', 'with --wait: how long to wait', positiveInt, 1800)
    .option('--admin', 'as admin: a protected channel moves only for admins')
    .action(async (family: string, name: string, version: string, opts) => {
      const c = cli();
      const promote = () =>
        c.api.call('catalog', {
          method: 'POST',
          path: path(family, `/${seg(name)}/promote`),
          role: opts.admin ? 'admin' : 'operator',
          body: {
            version,
            force: Boolean(opts.force),
            ...(opts.reason ? { reason: opts.reason } : {}),
          },
        });
      const moved = opts.wait ? await untilEveryRegion(c, promote, opts.timeout) : await promote();
      c.emit(moved, printMove(c));
    });

  channel
    .command('rollback <family> <channel>')
    .description('point a channel back at the version it pointed to before (operator)')
    .option('--reason <why>', 'recorded in the history and on the audit stream')
    .option('--admin', 'as admin: a protected channel moves only for admins')
    .action(async (family: string, name: string, opts) => {
      const c = cli();
      const moved = await c.api.call('catalog', {
        method: 'POST',
        path: path(family, `/${seg(name)}/rollback`),
        role: opts.admin ? 'admin' : 'operator',
        body: opts.reason ? { reason: opts.reason } : {},
      });
      c.emit(moved, printMove(c));
    });

  channel
    .command('protect <family> <channel>')
    .description('protect a channel (admin): then only admins move it')
    .option('--off', 'lift the protection')
    .action(async (family: string, name: string, opts) => {
      const c = cli();
      const r = await c.api.call('catalog', {
        method: 'PUT',
        path: path(family, `/${seg(name)}/protection`),
        role: 'admin',
        body: { protected: !opts.off },
      });
      c.emit(r, () =>
        c.out.line(`${r.family} ${r.channel} is ${r.protected ? 'protected' : 'not protected'}`),
      );
    });
}

const printMove = (c: Cli) => (m: any) =>
  c.out.line(`${m.family} ${m.channel}: ${m.previousVersion ?? '(none)'} -> ${m.version}`);

const NOT_IN_EVERY_REGION = /not available in every target region yet \(missing: ([^)]*)\)/;

/**
 * Retries a promote the catalog refuses only because a copy is still on its way (412, "not
 * available in every target region yet"), saying which regions it waits for; any other answer,
 * or the timeout, ends it.
 */
async function untilEveryRegion<T>(
  c: Cli,
  promote: () => Promise<T>,
  timeoutS: number,
): Promise<T> {
  const deadline = Date.now() + timeoutS * 1000;
  let waitingFor = '';
  for (;;) {
    try {
      return await promote();
    } catch (error) {
      const missing =
        error instanceof CliError && error.httpStatus === 412
          ? NOT_IN_EVERY_REGION.exec(error.message)?.[1]
          : undefined;
      if (missing === undefined) throw error;
      if (Date.now() >= deadline)
        throw new CliError(`gave up after ${timeoutS}s: still not available in ${missing}`);
      if (missing !== waitingFor && !c.json) c.out.line(`waiting for the copies in ${missing}`);
      waitingFor = missing;
      await c.sleep(2000);
    }
  }
}
