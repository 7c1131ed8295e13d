import { UsageError } from './errors.js';

/** The five services amictl talks to, and where each one answers. */
export const SERVICES = {
  catalog: { port: 3001 },
  builder: { port: 3002 },
  replicator: { port: 3003 },
  permissions: { port: 3004 },
  'maintenance-scanner': { port: 3005 },
} as const;

export type Service = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as Service[];

type Env = Record<string, string | undefined>;

const envPrefix = (service: Service) => service.toUpperCase().replace(/-/g, '_');

/**
 * A service's base URL: `<SERVICE>_URL` (e.g. CATALOG_URL, MAINTENANCE_SCANNER_URL) when set,
 * else http://127.0.0.1:<SERVICE>_HTTP_PORT, the local stack's variables, else its default port.
 */
export function serviceUrl(service: Service, env: Env = process.env): string {
  const prefix = envPrefix(service);
  const explicit = env[`${prefix}_URL`];
  if (explicit) {
    let url: URL;
    try {
      url = new URL(explicit);
    } catch {
      throw new UsageError(`${prefix}_URL is not a URL: ${explicit}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UsageError(`${prefix}_URL must be http(s): ${explicit}`);
    return explicit.replace(/\/+$/, '');
  }
  const port = env[`${prefix}_HTTP_PORT`] ?? String(SERVICES[service].port);
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    throw new UsageError(`${prefix}_HTTP_PORT is not a port: ${port}`);
  return `http://127.0.0.1:${port}`;
}
