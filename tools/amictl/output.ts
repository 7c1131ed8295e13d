/** Where a command writes: lines for people, or the API's answer as JSON (--json). */
export interface Output {
  line(text?: string): void;
  error(text: string): void;
}

export const processOutput: Output = {
  line: (text = '') => process.stdout.write(`${text}\n`),
  error: (text) => process.stderr.write(`${text}\n`),
};

export type Cell = string | number | boolean | null | undefined;

/** Left-aligned columns, two spaces apart, with a header; `-` for an empty cell. */
export function table(headers: string[], rows: Cell[][]): string[] {
  const cells = rows.map((row) => headers.map((_, i) => cellText(row[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const render = (row: string[]) =>
    row
      .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [render(headers.map((h) => h.toUpperCase())), ...cells.map(render)];
}

function cellText(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value).replace(/\s+/g, ' ');
}

/** A time as people read it in a terminal: UTC, to the second. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '-';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}
