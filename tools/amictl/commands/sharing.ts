import type { Command } from 'commander';
import { nextPageHint, positiveInt, seg, type Cli } from '../cli.js';
import { table, when } from '../output.js';

const principals = (lists: any): string => {
  if (!lists) return '-';
  const all = [
    ...lists.accounts,
    ...lists.organizationArns,
    ...lists.organizationalUnitArns,
    ...(lists.public ? ['PUBLIC'] : []),
  ];
  return all.length ? all.join(' ') : '(none)';
};

/** `amictl sharing …`: launch permissions, desired against actual, on the permissions service. */
export function registerSharing(program: Command, cli: () => Cli): void {
  const sharing = program
    .command('sharing')
    .alias('permissions')
    .description('launch permissions: desired, actual, drift (also: amictl permissions …)');

  sharing
    .command('show <family>')
    .description('desired and actual launch permissions of every copy (one version with --version)')
    .option('--version <version>', 'only this version')
    .action(async (family: string, opts) => {
      const c = cli();
      const view = await c.api.call('permissions', {
        path: opts.version
          ? `/v1/families/${seg(family)}/versions/${seg(opts.version)}/permissions`
          : `/v1/families/${seg(family)}/permissions`,
      });
      c.emit(view, (v: any) => {
        c.out.line(
          `${v.family}: spec version ${v.specVersion ?? '-'}, mode ${v.sharing?.mode ?? '-'}, every copy reconciled by ${when(v.lastReconciledAt)}`,
        );
        for (const o of v.overrides ?? [])
          c.out.line(
            `  ${o.effect} ${o.principal.kind} ${o.principal.value}${o.version ? ` on ${o.version}` : ''} by ${o.requestedBy}${o.expiresAt ? ` until ${when(o.expiresAt)}` : ''}: ${o.reason} (${o.id})`,
          );
        const rows = v.versions.flatMap((ver: any) =>
          ver.regions.map((r: any) => [
            ver.version,
            r.region,
            r.account,
            r.imageId,
            principals(r.desired),
            principals(r.actual),
            r.lastError ?? (r.pending ? `pending: ${r.pendingReason}` : null),
          ]),
        );
        c.lines(
          table(['version', 'region', 'account', 'image', 'desired', 'actual', 'note'], rows),
        );
      });
    });

  sharing
    .command('drift <family>')
    .description('drift found on the family’s copies, newest first, and whether it was repaired')
    .option('--version <version>', 'only this version')
    .option('--limit <n>', 'entries per page', positiveInt)
    .option('--cursor <cursor>', 'the page after this cursor')
    .action(async (family: string, opts) => {
      const c = cli();
      const page = await c.api.call('permissions', {
        path: `/v1/families/${seg(family)}/drift`,
        query: { version: opts.version, limit: opts.limit, cursor: opts.cursor },
      });
      c.emit(page, (p: any) => {
        c.lines(
          table(
            ['found', 'version', 'region', 'image', 'mode', 'repaired', 'differences'],
            p.items.map((d: any) => [
              when(d.foundAt),
              d.version,
              d.region,
              d.imageId,
              d.mode,
              d.repaired ? 'yes' : 'no',
              JSON.stringify(d.differences),
            ]),
          ),
        );
        nextPageHint(c, p.nextCursor);
      });
    });

  sharing
    .command('reconcile [family]')
    .description(
      'compare copies with EC2 now and repair drift (operator); every family without one',
    )
    .option('--version <version>', 'only this version of the family')
    .action(async (family: string | undefined, opts) => {
      const c = cli();
      const r = await c.api.call('permissions', {
        method: 'POST',
        path: family ? `/v1/families/${seg(family)}/reconcile` : '/v1/reconcile',
        role: 'operator',
        body: family && opts.version ? { version: opts.version } : {},
      });
      c.emit(r, () => c.out.line(`reconcile of ${r.copies} copy(ies) requested`));
    });
}
