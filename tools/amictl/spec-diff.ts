/** One changed path between two specs, as `family diff` prints it. */
export type SpecChange =
  | { op: 'add'; path: string; after: unknown }
  | { op: 'remove'; path: string; before: unknown }
  | { op: 'change'; path: string; before: unknown; after: unknown };

/** Arrays of plain values whose JSON is at most this long are compared (and shown) whole. */
const SHORT_ARRAY = 60;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => v === null || typeof v !== 'object';
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const shortArray = (v: unknown) =>
  Array.isArray(v) && v.every(isScalar) && JSON.stringify(v).length <= SHORT_ARRAY;

/**
 * What changes from `before` (the catalog's spec, or undefined for a family it lacks) to
 * `after` (the file), path by path: nested objects flattened to dotted paths, arrays compared
 * by index (`steps[1].run`), or whole when both sides are short lists of plain values.
 * Keys in the file's order, then keys only the catalog has.
 */
export function diffSpecs(before: unknown, after: unknown, path = ''): SpecChange[] {
  if (same(before, after)) return [];
  if (before === undefined) return leaves(after, path).map(([p, v]) => add(p, v));
  if (after === undefined) return leaves(before, path).map(([p, v]) => remove(p, v));
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(after), ...Object.keys(before)])];
    return keys.flatMap((k) => diffSpecs(before[k], after[k], join(path, k)));
  }
  if (Array.isArray(before) && Array.isArray(after) && !(shortArray(before) && shortArray(after))) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => diffSpecs(before[i], after[i], `${path}[${i}]`)).flat();
  }
  return [{ op: 'change', path: path || '(root)', before, after }];
}

const add = (path: string, after: unknown): SpecChange => ({ op: 'add', path, after });
const remove = (path: string, before: unknown): SpecChange => ({ op: 'remove', path, before });

/** A value as the paths it is made of: objects and long arrays opened, the rest whole. */
function leaves(value: unknown, path: string): [string, unknown][] {
  if (isObject(value) && Object.keys(value).length > 0)
    return Object.entries(value).flatMap(([k, v]) => leaves(v, join(path, k)));
  if (Array.isArray(value) && value.length > 0 && !shortArray(value))
    return value.flatMap((v, i) => leaves(v, `${path}[${i}]`));
  return [[path || '(root)', value]];
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** `+ path: value`, `- path: value`, `~ path: old -> new`, as terraform plan shows them. */
export function changeLine(change: SpecChange): string {
  switch (change.op) {
    case 'add':
      return `+ ${change.path}: ${show(change.after)}`;
    case 'remove':
      return `- ${change.path}: ${show(change.before)}`;
    case 'change':
      return `~ ${change.path}: ${show(change.before)} -> ${show(change.after)}`;
  }
}

/** `2 to add, 1 to change, 0 to remove` */
export function summaryLine(changes: SpecChange[]): string {
  const count = (op: SpecChange['op']) => changes.filter((c) => c.op === op).length;
  return `${count('add')} to add, ${count('change')} to change, ${count('remove')} to remove`;
}
