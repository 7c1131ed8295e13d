import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse, stringify } from 'yaml';
import { describeSource, validateFamilySpec } from '@ami/contracts';
import { nextPageHint, positiveInt, seg, type Cli } from '../cli.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { changeLine, diffSpecs, summaryLine } from '../spec-diff.js';
import { table, when } from '../output.js';

/** `amictl family …`: image families and their specs, on the catalog. */
export function registerFamilies(program: Command, cli: () => Cli): void {
  const family = program.command('family').description('image families and their specs');

  family
    .command('list')
    .description('image families, by name')
    .option('--owner <owner>', 'only families of this owner')
    .option('--parent <family>', 'only families built from this family')
    .option('--limit <n>', 'families per page', positiveInt)
    .option('--cursor <cursor>', 'the page after this cursor')
    .action(async (opts) => {
      const c = cli();
      const page = await c.api.call('catalog', {
        path: '/v1/families',
        query: { owner: opts.owner, parent: opts.parent, limit: opts.limit, cursor: opts.cursor },
      });
      c.emit(page, (p: any) => {
        c.lines(
          table(
            ['family', 'owner', 'spec', 'parent', 'updated', 'description'],
            p.items.map((f: any) => [
              f.name,
              f.owner,
              f.specVersion,
              f.parent ? `${f.parent.family}/${f.parent.channel}` : null,
              when(f.updatedAt),
              f.description,
            ]),
          ),
        );
        nextPageHint(c, p.nextCursor);
      });
    });

  family
    .command('show <family>')
    .description('a family: its spec in brief, channels and newest versions')
    .action(async (name: string) => {
      const c = cli();
      const [f, channels, versions] = await Promise.all([
        c.api.call('catalog', { path: `/v1/families/${seg(name)}` }),
        c.api.call('catalog', { path: `/v1/families/${seg(name)}/channels` }),
        c.api.call('catalog', { path: `/v1/families/${seg(name)}/versions`, query: { limit: 5 } }),
      ]);
      c.emit({ ...f, channels: channels.items, versions: versions.items }, () => {
        const spec = f.spec ?? {};
        c.lines([
          `family ${f.name} (owner ${f.owner}), spec version ${f.specVersion}`,
          ...(f.description ? [`  ${f.description}`] : []),
          `  source:  ${spec.source ? describeSource(spec.source) : '-'}`,
          `  build:   ${spec.build?.region ?? '-'}${spec.build?.instanceType ? `, ${spec.build.instanceType}` : ''}`,
          `  regions: ${(spec.distribution?.regions ?? []).join(', ') || '-'}`,
          `  sharing: ${describeSharing(spec.sharing)}`,
          'channels:',
          ...indent(
            channels.items.length
              ? table(
                  ['channel', 'version', 'protected', 'moved'],
                  channels.items.map((ch: any) => [
                    ch.name,
                    ch.version,
                    ch.protected ? 'yes' : 'no',
                    when(ch.updatedAt),
                  ]),
                )
              : ['(none)'],
          ),
          'newest versions:',
          ...indent(
            versions.items.length
              ? table(
                  ['version', 'origin', 'created', 'regions'],
                  versions.items.map((v: any) => [
                    v.version,
                    v.origin,
                    when(v.createdAt),
                    copiesSummary(v),
                  ]),
                )
              : ['(none)'],
          ),
        ]);
      });
    });

  family
    .command('apply')
    .description('apply a family spec (YAML or JSON) as its next spec version (admin)')
    .requiredOption('-f, --file <path>', 'the spec file, or - for standard input')
    .action(async (opts) => {
      const c = cli();
      const text = readSpec(opts.file);
      const json = opts.file.endsWith('.json') || /^\s*\{/.test(text);
      const applied = await c.api.call('catalog', {
        method: 'POST',
        path: '/v1/specs',
        role: 'admin',
        body: text,
        contentType: json ? 'application/json' : 'application/yaml',
      });
      c.emit(applied, (a: any) =>
        c.out.line(
          `family ${a.family}: spec version ${a.specVersion}${a.changed ? '' : ' (unchanged)'}`,
        ),
      );
    });

  family
    .command('validate')
    .description(
      'check a spec file against the family spec schema, offline; every problem with its path',
    )
    .requiredOption('-f, --file <path>', 'the spec file, or - for standard input')
    .action((opts) => {
      const c = cli();
      const result = validateSpecText(readSpec(opts.file));
      c.emit(result, (r) => {
        if (r.ok) c.out.line(`${opts.file}: a valid spec of family ${r.spec.name}`);
      });
      if (!result.ok)
        throw new CliError(
          [
            `${opts.file} is not a valid spec:`,
            ...result.problems.map((p) => `  ${p.path}: ${p.message}`),
          ].join('\n'),
        );
    });

  family
    .command('diff')
    .description(
      "what applying a spec file would change against the catalog's spec of its family; exits 10 if anything",
    )
    .requiredOption('-f, --file <path>', 'the spec file, or - for standard input')
    .action(async (opts) => {
      const c = cli();
      const result = validateSpecText(readSpec(opts.file));
      if (!result.ok)
        throw new CliError(
          [
            `${opts.file} is not a valid spec:`,
            ...result.problems.map((p) => `  ${p.path}: ${p.message}`),
          ].join('\n'),
        );
      const name = (result.spec as { name: string }).name;
      // a family the catalog does not have yet: everything in the file is added
      const stored = await c.api
        .call('catalog', { path: `/v1/families/${seg(name)}` })
        .then((f) => f.spec as unknown)
        .catch((error) => {
          if (error instanceof CliError && error.exitCode === EXIT.notFound) return undefined;
          throw error;
        });
      const changes = diffSpecs(stored, JSON.parse(JSON.stringify(result.spec)));
      c.emit(changes, (all) => {
        c.lines(all.map(changeLine));
        c.out.line(
          `${stored === undefined ? `family ${name} is not in the catalog: ` : ''}${summaryLine(all)}`,
        );
      });
      if (changes.length > 0) throw new CliError('', EXIT.changes);
    });

  family
    .command('spec <family>')
    .description("a family's spec as YAML: the current one, or an earlier spec version")
    .option('--version <n>', 'that spec version', positiveInt)
    .option('--history', 'list the spec versions: who applied each, when')
    .action(async (name: string, opts) => {
      const c = cli();
      if (opts.history) {
        const list = await c.api.call('catalog', { path: `/v1/families/${seg(name)}/specs` });
        return c.emit(list, (l: any) =>
          c.lines(
            table(
              ['version', 'applied', 'by', 'digest'],
              l.items.map((s: any) => [
                s.version,
                when(s.appliedAt),
                s.appliedBy,
                s.digest.slice(0, 12),
              ]),
            ),
          ),
        );
      }
      const answer = opts.version
        ? await c.api.call('catalog', { path: `/v1/families/${seg(name)}/specs/${opts.version}` })
        : await c.api.call('catalog', { path: `/v1/families/${seg(name)}` });
      c.emit(answer.spec, (spec) => c.out.line(stringify(spec).trimEnd()));
    });
}

function readSpec(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the spec ${file}: ${(error as Error).message}`);
  }
}

/** Parses YAML (JSON is YAML too) and checks it as the catalog does before it stores a spec. */
export function validateSpecText(text: string): ReturnType<typeof validateFamilySpec> {
  let document: unknown;
  try {
    document = parse(text, { prettyErrors: true, maxAliasCount: 50 });
  } catch (error) {
    return {
      ok: false,
      problems: [{ path: '(root)', message: `not valid YAML: ${(error as Error).message}` }],
    };
  }
  return validateFamilySpec(document);
}

const indent = (lines: string[]) => lines.map((l) => `  ${l}`);

function describeSharing(sharing: any): string {
  if (!sharing) return 'not shared';
  const parts = [
    ...(sharing.accounts ?? []).map((a: string) => `account ${a}`),
    ...(sharing.organizationArns ?? []).map((o: string) => `organization ${o}`),
    ...(sharing.organizationalUnitArns ?? []).map((o: string) => `OU ${o}`),
    ...(sharing.public ? ['PUBLIC'] : []),
  ];
  return parts.join(', ') || 'not shared';
}

/** `us-east-1 available, eu-west-1 pending` */
export function copiesSummary(version: any): string {
  return (version.copies ?? []).map((c: any) => `${c.region} ${c.state}`).join(', ');
}
