import { InvalidArgumentError, type Command } from 'commander';
import { ApiClient } from './api-client.js';
import type { Output } from './output.js';

/** What every command is given: the API client, where to write, and the global options. */
export class Cli {
  constructor(
    readonly api: ApiClient,
    readonly out: Output,
    private readonly program: Command,
    readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  get json(): boolean {
    return Boolean(this.program.opts().json);
  }

  /** Prints the API's answer as JSON with --json, else renders it for people. */
  emit<T>(answer: T, render: (answer: T) => void): void {
    if (this.json) this.out.line(JSON.stringify(answer, null, 2));
    else render(answer);
  }

  lines(lines: string[]): void {
    for (const line of lines) this.out.line(line);
  }
}

/** An option's value as a positive whole number; commander names the option when it is not. */
export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('must be a positive whole number');
  return Number(value);
}

/** A plain path segment (family, version, channel, id): encoded, never a path of its own. */
export const seg = (value: string) => encodeURIComponent(value);

/** A hint to the next page of a paginated list. */
export function nextPageHint(cli: Cli, nextCursor: string | null | undefined): void {
  if (nextCursor) cli.out.line(`(more: --cursor ${nextCursor})`);
}
