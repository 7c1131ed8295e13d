import type { Command } from 'commander';
import { nextPageHint, positiveInt, seg, type Cli } from '../cli.js';
import { table, when } from '../output.js';

const COPY_COLUMNS = ['copy', 'family', 'version', 'region', 'account', 'state', 'image', 'note'];
const copyRow = (j: any) => [
  j.id,
  j.family,
  j.version,
  j.region,
  j.account ?? '(platform)',
  j.state,
  j.imageId,
  j.failureReason ?? (j.nextAttemptAt ? `next attempt ${when(j.nextAttemptAt)}` : null),
];

/** `amictl copy …`: the replicator's regional copies. */
export function registerCopies(program: Command, cli: () => Cli): void {
  const copy = program
    .command('copy')
    .description("the replicator's copies of versions to regions");

  copy
    .command('list')
    .description('copy jobs, newest first')
    .option('--family <family>', 'only this family')
    .option('--version <version>', 'only this version')
    .option('--region <region>', 'only copies into this region')
    .option('--state <state>', 'only copies in this state (queued, copying, succeeded, failed, …)')
    .option('--limit <n>', 'copies per page', positiveInt)
    .option('--cursor <cursor>', 'the page after this cursor')
    .action(async (opts) => {
      const c = cli();
      const page = await c.api.call('replicator', {
        path: '/v1/copies',
        query: {
          family: opts.family,
          version: opts.version,
          region: opts.region,
          state: opts.state,
          limit: opts.limit,
          cursor: opts.cursor,
        },
      });
      c.emit(page, (p: any) => {
        c.lines(table(COPY_COLUMNS, p.items.map(copyRow)));
        nextPageHint(c, p.nextCursor);
      });
    });

  copy
    .command('retry <copy-id>')
    .description('queue a failed or cancelled copy again (operator)')
    .action(async (id: string) => {
      const c = cli();
      const j = await c.api.call('replicator', {
        method: 'POST',
        path: `/v1/copies/${seg(id)}/retry`,
        role: 'operator',
      });
      c.emit(j, () =>
        c.out.line(`copy ${j.id} of ${j.family} ${j.version} to ${j.region}: ${j.state}`),
      );
    });

  copy
    .command('replicate <family> <version>')
    .description('copy a version to every region of its family that lacks a copy (operator)')
    .action(async (family: string, version: string) => {
      const c = cli();
      const r = await c.api.call('replicator', {
        method: 'POST',
        path: '/v1/replications',
        role: 'operator',
        body: { family, version },
      });
      c.emit(r, () => {
        c.out.line(
          `${r.family} ${r.version}: ${r.queued.length} copy(ies) queued, ${r.existing.length} already there`,
        );
        if (r.queued.length) c.lines(table(COPY_COLUMNS, r.queued.map(copyRow)));
      });
    });
}
