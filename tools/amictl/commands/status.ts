import type { Command } from 'commander';
import { CliError, EXIT } from '../errors.js';
import { SERVICE_NAMES, type Service } from '../endpoints.js';
import type { Cli } from '../cli.js';
import { table } from '../output.js';

interface ServiceStatus {
  service: Service;
  url: string;
  status: 'ok' | 'degraded' | 'down';
  failing: string[];
  error?: string;
}

/** `amictl status`: is each service up, and which of its dependencies fail. */
export function registerStatus(program: Command, cli: () => Cli): void {
  program
    .command('status')
    .description(
      "each service's readiness (its database, Kafka, EC2 checks); exits 5 if one cannot be reached, 1 if one is not ready",
    )
    .action(async () => {
      const c = cli();
      const statuses = await Promise.all(SERVICE_NAMES.map((s) => statusOf(c, s)));
      c.emit(statuses, (all) =>
        c.lines(
          table(
            ['service', 'url', 'status', 'detail'],
            all.map((s) => [s.service, s.url, s.status, s.error ?? s.failing.join(', ')]),
          ),
        ),
      );
      if (statuses.some((s) => s.status === 'down')) throw new CliError('', EXIT.unreachable);
      if (statuses.some((s) => s.status !== 'ok')) throw new CliError('', EXIT.failed);
    });
}

async function statusOf(c: Cli, service: Service): Promise<ServiceStatus> {
  const url = c.api.url(service);
  try {
    const { status, report } = await c.api.health(service);
    const failing = Object.entries(report?.checks ?? {})
      .filter(([, check]: [string, any]) => check?.status !== 'up')
      .map(([name, check]: [string, any]) => `${name}${check?.error ? `: ${check.error}` : ''}`);
    return { service, url, status: status === 200 ? 'ok' : 'degraded', failing };
  } catch (error) {
    const cause =
      ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
    return { service, url, status: 'down', failing: [], error: cause };
  }
}
