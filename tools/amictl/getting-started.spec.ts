import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { validateSpecText } from './commands/families.js';
import { buildProgram } from './program.js';

/** `family list`, `family show`, …: every command that does something (not `help`). */
function leafCommands(command: Command, prefix: string[] = []): string[] {
  return command.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) =>
      c.commands.length
        ? leafCommands(c, [...prefix, c.name()])
        : [[...prefix, c.name()].join(' ')],
    );
}

/** The guide's command table: "`family list` / `show`" names `family list` and `family show`. */
function documentedCommands(guide: string): string[] {
  const table = guide.slice(guide.indexOf('## amictl commands'));
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => {
      const [first, ...more] = [...line.split('|')[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
      const noun = first.split(' ').slice(0, -1);
      return [first, ...more.map((verb) => [...noun, verb].join(' '))];
    });
}

describe('docs/getting-started.md', () => {
  it('lists every amictl command in its command table, and no command amictl lacks', () => {
    const guide = readFileSync('docs/getting-started.md', 'utf8');
    const commands = leafCommands(buildProgram());
    expect(commands).toContain('retention execute');
    expect(documentedCommands(guide).sort()).toEqual(commands.sort());
  });

  it('walks through a family spec that the catalog would accept', () => {
    const guide = readFileSync('docs/getting-started.md', 'utf8');
    const spec = /```yaml\n# my-app\.yaml\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(spec).toBeDefined();
    expect(validateSpecText(spec!)).toMatchObject({ ok: true, spec: { name: 'my-app' } });
  });
});
