import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticFile {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The ES modules the browser imports, from node_modules as npm installed them (nothing is
 * vendored or bundled): import map name -> file.
 */
export const VENDOR_MODULES: Record<string, string> = {
  preact: 'preact/dist/preact.mjs',
  'preact/hooks': 'preact/hooks/dist/hooks.mjs',
  htm: 'htm/dist/htm.mjs',
  'htm/preact': 'htm/preact/index.mjs',
};

/** The checkout (or image) root: the nearest directory above this file with node_modules/preact. */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', 'preact', 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no node_modules/preact above ${from}`);
  }
}

/** Every file the console serves, read once at boot: /, /ui/..., /vendor/<module>. */
export function loadConsoleFiles(root = projectRoot()): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const ui = join(root, 'apps', 'console', 'public');
  for (const path of walk(ui)) {
    const type = TYPES[path.slice(path.lastIndexOf('.'))];
    if (type)
      files.set(`/ui/${relative(ui, path).split(sep).join('/')}`, {
        type,
        body: readFileSync(path),
      });
  }
  for (const [name, file] of Object.entries(VENDOR_MODULES))
    files.set(`/vendor/${name}.js`, {
      type: TYPES['.js']!,
      body: readFileSync(join(root, 'node_modules', file)),
    });
  const index = files.get('/ui/index.html');
  if (!index) throw new Error(`${ui}/index.html is missing`);
  files.set('/', index);
  return files;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
