import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { z } from 'zod';
import { builderConfigSchema } from '../../apps/builder/src/config/builder.config.js';
import { catalogConfigSchema } from '../../apps/catalog/src/config/catalog.config.js';
import { consoleConfigSchema } from '../../apps/console/src/config/console.config.js';
import { maintenanceScannerConfigSchema } from '../../apps/maintenance-scanner/src/config/maintenance-scanner.config.js';
import { permissionsConfigSchema } from '../../apps/permissions/src/config/permissions.config.js';
import { replicatorConfigSchema } from '../../apps/replicator/src/config/replicator.config.js';

const APP_CONFIGS: Record<string, z.ZodObject> = {
  catalog: catalogConfigSchema,
  builder: builderConfigSchema,
  replicator: replicatorConfigSchema,
  permissions: permissionsConfigSchema,
  'maintenance-scanner': maintenanceScannerConfigSchema,
  console: consoleConfigSchema,
};

/** Variables the app refuses to start without (no default, not optional). */
function requiredVariables(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([name]) => name);
}

describe('docker-compose.yml', () => {
  const compose = parse(
    readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'),
    { merge: true },
  ) as {
    services: Record<
      string,
      { environment?: Record<string, string>; build?: unknown; image?: string }
    >;
  };

  it('runs the infrastructure, the five services and the console', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgres', 'kafka', 'moto', 'migrate', ...Object.keys(APP_CONFIGS)]),
    );
  });

  it.each(Object.keys(APP_CONFIGS))('sets every variable %s requires', (app) => {
    const environment = compose.services[app]?.environment ?? {};
    const missing = requiredVariables(APP_CONFIGS[app]).filter((name) => !(name in environment));
    expect(missing).toEqual([]);
  });

  it.each(Object.keys(APP_CONFIGS))('sets no variable that %s does not read', (app) => {
    // The AWS SDK reads its credentials itself, from the standard variables.
    const known = [
      ...Object.keys(APP_CONFIGS[app].shape),
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ];
    const unknown = Object.keys(compose.services[app]?.environment ?? {}).filter(
      (name) => !known.includes(name),
    );
    expect(unknown).toEqual([]);
  });
});
