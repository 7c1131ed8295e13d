import type { Command } from 'commander';
import { AuditReader, type AuditEntry } from '../audit-reader.js';
import type { Cli } from '../cli.js';
import { positiveInt } from '../cli.js';
import { when } from '../output.js';

export interface AuditFilter {
  family?: string;
  /** an action, or a prefix ending in `*` (`channel.*`) */
  action?: string;
  actor?: string;
}

/** Does the entry match every filter given? `--action channel.*` takes every channel action. */
export function auditFilter(filter: AuditFilter): (entry: AuditEntry) => boolean {
  const action = filter.action;
  const actionMatches = !action
    ? () => true
    : action.endsWith('*')
      ? (a: string) => a.startsWith(action.slice(0, -1))
      : (a: string) => a === action;
  return (e) =>
    (!filter.family || e.family === filter.family) &&
    (!filter.actor || e.actor === filter.actor) &&
    actionMatches(e.action);
}

/** `amictl audit tail [family]` (and `amictl audit [family]`): the ordered audit stream (ami.audit.v1), as ops read it. */
export function registerAudit(program: Command, cli: () => Cli): void {
  const withOptions = (command: Command) =>
    command
      .option('--action <action>', 'only this action, or a prefix ending in * (channel.*)')
      .option('--actor <name>', 'only what this actor did')
      .option('--limit <n>', 'entries to show', positiveInt, 20)
      .option('--scan <n>', 'messages read back per partition to find them', positiveInt, 10_000)
      .option('-f, --follow', 'then keep printing new entries (Ctrl-C to stop)')
      .action((family: string | undefined, _opts, command: Command) =>
        tail(cli(), { ...givenOptions(command), family }),
      );
  const audit = withOptions(
    program
      .command('audit [family]')
      .description(
        'who did what to which image: the newest audit entries, of one family or all (as audit tail)',
      ),
  );
  withOptions(
    audit
      .command('tail [family]')
      .description(
        'the newest audit entries, of one family or all, filtered by action and actor; --follow for new ones',
      ),
  );
}

/**
 * `audit tail`'s options: commander lets `audit` take the options it knows wherever they are
 * (`audit tail --limit 5` sets audit's --limit), so what was given to either counts.
 */
function givenOptions(command: Command): any {
  const own = command.opts();
  const parent = command.parent?.name() === 'audit' ? command.parent : undefined;
  if (!parent) return own;
  const merged: Record<string, any> = { ...own };
  for (const [key, value] of Object.entries(parent.opts()))
    if (parent.getOptionValueSource(key) === 'cli' && command.getOptionValueSource(key) !== 'cli')
      merged[key] = value;
  return merged;
}

async function tail(
  c: Cli,
  opts: AuditFilter & { limit: number; scan: number; follow?: boolean },
): Promise<void> {
  const reader = new AuditReader(c.api.env);
  const matches = auditFilter(opts);
  const seen: AuditEntry[] = [];
  const print = (e: AuditEntry) => {
    if (matches(e)) c.out.line(c.json ? JSON.stringify(e) : auditLine(e));
  };
  await reader.read({ family: opts.family, scan: opts.scan, follow: false }, (e) => {
    if (matches(e)) seen.push(e);
  });
  // each family's entries are in order on its partition; across families, by time
  seen.sort((a, b) => a.time.localeCompare(b.time));
  for (const e of seen.slice(-opts.limit)) print(e);
  if (opts.follow) await reader.read({ family: opts.family, scan: 0, follow: true }, print);
}

/** `2026-12-04 14:38:31Z  alice  channel.promoted  web-base prod 2026.12.04-1  (why)`; the outcome unless it succeeded */
export function auditLine(e: AuditEntry): string {
  const s = e.subject;
  // channel moves name their channel in `after`, beside the version they point to
  const channel = s.channel ?? (e.after as { channel?: string } | null)?.channel;
  const what = [e.family, channel, s.version, s.region, s.imageId, s.target]
    .filter(Boolean)
    .join(' ');
  const outcome = e.outcome === 'succeeded' ? '' : `  ${e.outcome}`;
  return `${when(e.time)}  ${e.actor}  ${e.action}  ${what}${outcome}${e.reason ? `  (${e.reason})` : ''}`;
}
