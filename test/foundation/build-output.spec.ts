import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(path) ? [path] : [];
  });
}

describe('compiled sources survive the build', () => {
  // tsc-alias rewrites imports with String.replace, where a dollar followed by a quote in the
  // file means "the text after the match": a SQL regex like '-(\d+)$' came out mangled in dist/.
  it('no production source contains a dollar sign followed by a single quote', () => {
    const offenders = ['apps', 'libs', 'tools']
      .flatMap((dir) => sources(join(root, dir)))
      .filter((file) => readFileSync(file, 'utf8').includes("$'"))
      .map((file) => file.slice(root.length));
    expect(offenders).toEqual([]);
  });
});
