import type { Command } from 'commander';
import { nextPageHint, positiveInt, seg, type Cli } from '../cli.js';
import { UsageError } from '../errors.js';
import { table, when } from '../output.js';
import { copiesSummary } from './families.js';

/** `amictl version …` and `amictl resolve`: a family's versions and their regional copies. */
export function registerVersions(program: Command, cli: () => Cli): void {
  const version = program.command('version').description("a family's image versions");

  version
    .command('list <family>')
    .description('versions, newest first, with the state of each regional copy')
    .option('--region <region>', 'only versions with a copy in this region')
    .option('--state <state>', 'only versions with a copy in this state (available, deprecated, …)')
    .option('--limit <n>', 'versions per page', positiveInt)
    .option('--cursor <cursor>', 'the page after this cursor')
    .option('-q, --quiet', 'print the version names alone, newest first (for scripts)')
    .action(async (family: string, opts) => {
      const c = cli();
      const page = await c.api.call('catalog', {
        path: `/v1/families/${seg(family)}/versions`,
        query: { region: opts.region, state: opts.state, limit: opts.limit, cursor: opts.cursor },
      });
      if (opts.quiet && !c.json) return c.lines(page.items.map((v: any) => v.version));
      c.emit(page, (p: any) => {
        c.lines(
          table(
            ['version', 'origin', 'created', 'parent', 'copies'],
            p.items.map((v: any) => [
              v.revoked ? `${v.version} (revoked)` : v.version,
              v.origin,
              when(v.createdAt),
              v.parent ? `${v.parent.family}/${v.parent.version}` : null,
              copiesSummary(v),
            ]),
          ),
        );
        nextPageHint(c, p.nextCursor);
      });
    });

  version
    .command('show <family> <version>')
    .description('a version: where it came from and every copy (regions, other accounts)')
    .action(async (family: string, name: string) => {
      const c = cli();
      const v = await c.api.call('catalog', {
        path: `/v1/families/${seg(family)}/versions/${seg(name)}`,
      });
      c.emit(v, () => {
        c.lines([
          `${v.family} ${v.version}: ${v.origin}${v.buildId ? ` (build ${v.buildId})` : ''}, created ${when(v.createdAt)}`,
          `  source: ${v.source.imageId ?? '-'}${v.source.region ? ` in ${v.source.region}` : ''}${v.parent ? `, parent ${v.parent.family} ${v.parent.version}` : ''}`,
          ...(v.revoked
            ? [`  REVOKED ${when(v.revoked.at)} by ${v.revoked.by}: ${v.revoked.reason}`]
            : []),
          ...table(
            ['region', 'image', 'state', 'snapshots', 'reason'],
            v.copies.map((cp: any) => [
              cp.region,
              cp.imageId,
              cp.state,
              cp.snapshotIds.join(' '),
              cp.stateReason,
            ]),
          ).map((l) => `  ${l}`),
        ]);
        if (v.accountCopies?.length) {
          c.out.line('  copies in other accounts:');
          c.lines(
            table(
              ['account', 'region', 'image', 'state'],
              v.accountCopies.map((a: any) => [a.account, a.region, a.imageId, a.state]),
            ).map((l) => `    ${l}`),
          );
        }
      });
    });

  version
    .command('revoke <family> <version>')
    .description('revoke a version (admin): resolve refuses it, its channels fall back')
    .requiredOption('--reason <why>', 'why; shown by resolve and on the audit stream')
    .action(async (family: string, name: string, opts) => {
      const c = cli();
      const r = await c.api.call('catalog', {
        method: 'POST',
        path: `/v1/families/${seg(family)}/versions/${seg(name)}/revoke`,
        role: 'admin',
        body: { reason: opts.reason },
      });
      c.emit(r, () => {
        c.out.line(`${r.family} ${r.version} revoked at ${when(r.revokedAt)}`);
        for (const ch of r.channels)
          c.out.line(
            `  channel ${ch.channel} fell back to ${ch.fellBackTo ?? 'nothing (resolve refuses it)'}`,
          );
      });
    });

  version
    .command('import <family>')
    .description('adopt AMIs built elsewhere (Packer, by hand) as versions of a family (admin)')
    .requiredOption('--region <region>', 'the region the images are in')
    .option('--image <ami-id...>', 'the images, by id')
    .option('--name <pattern>', 'or: the images whose name matches (wildcards * and ?)')
    .option('--owner <owner...>', 'with --name: owners to search (default: self)')
    .action(async (family: string, opts) => {
      const c = cli();
      if (Boolean(opts.image) === Boolean(opts.name))
        throw new UsageError('give exactly one of --image <ami-id...> or --name <pattern>');
      const body = opts.image
        ? { region: opts.region, imageIds: opts.image }
        : {
            region: opts.region,
            filter: {
              owners: opts.owner ?? ['self'],
              filters: [{ name: 'name', values: [opts.name] }],
            },
          };
      const r = await c.api.call('catalog', {
        method: 'POST',
        path: `/v1/families/${seg(family)}/imports`,
        role: 'admin',
        body,
      });
      c.emit(r, () => {
        c.out.line(`imported ${r.imported.length} image(s) into ${family}`);
        for (const i of r.imported) c.out.line(`  ${i.imageId} as ${i.version}`);
        for (const id of r.skipped) c.out.line(`  skipped ${id}: already in the catalog`);
        for (const id of r.notFound)
          c.out.line(`  not found ${id}: EC2 does not show it in ${opts.region} (yet)`);
      });
    });

  program
    .command('resolve <family>')
    .description('which AMI to launch: family + channel (or "latest") + region -> image id')
    .requiredOption('--region <region>', 'the region to launch in')
    .option('--channel <channel>', 'a channel, or latest', 'prod')
    .option('-q, --quiet', 'print the image id alone (for scripts)')
    .action(async (family: string, opts) => {
      const c = cli();
      const r = await c.api.call('catalog', {
        path: `/v1/families/${seg(family)}/resolve`,
        query: { channel: opts.channel, region: opts.region },
      });
      c.emit(r, () =>
        c.out.line(
          opts.quiet
            ? r.imageId
            : `${r.imageId}  ${r.family} ${r.channel} in ${r.region}: version ${r.version} (${r.state})`,
        ),
      );
    });
}
