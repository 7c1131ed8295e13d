import type { ConsoleConfig } from './console.config.js';

/** The services whose HTTP APIs the console reads, as they appear under /api/<service>/. */
export const CONSOLE_SERVICES = [
  'catalog',
  'builder',
  'replicator',
  'permissions',
  'maintenance-scanner',
] as const;
export type ConsoleService = (typeof CONSOLE_SERVICES)[number];

export function isConsoleService(name: string): name is ConsoleService {
  return (CONSOLE_SERVICES as readonly string[]).includes(name);
}

/** <SERVICE>_URL when set, else the service on this host at <SERVICE>_HTTP_PORT. */
export function serviceUrls(config: ConsoleConfig): Record<ConsoleService, string> {
  const urls = {} as Record<ConsoleService, string>;
  for (const service of CONSOLE_SERVICES) {
    const prefix = service.replace(/-/g, '_').toUpperCase();
    const url = config[`${prefix}_URL` as keyof ConsoleConfig] as string | undefined;
    const port = config[`${prefix}_HTTP_PORT` as keyof ConsoleConfig] as number;
    urls[service] = (url ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  }
  return urls;
}
