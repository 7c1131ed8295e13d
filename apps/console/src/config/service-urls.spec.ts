import { loadConfig } from '@ami/config';
import { consoleConfigSchema } from './console.config.js';
import { serviceUrls } from './service-urls.js';

const base = { HTTP_PORT: '3000', KAFKA_SASL_PASSWORD: 'x', AUTH_JWT_SECRET: 'y'.repeat(32) };

describe('serviceUrls', () => {
  it('uses <SERVICE>_URL when set, else the service on this host at its port', () => {
    const config = loadConfig(consoleConfigSchema, {
      ...base,
      CATALOG_URL: 'http://catalog:3000/',
      MAINTENANCE_SCANNER_HTTP_PORT: '4005',
    });
    expect(serviceUrls(config)).toEqual({
      catalog: 'http://catalog:3000',
      builder: 'http://127.0.0.1:3002',
      replicator: 'http://127.0.0.1:3003',
      permissions: 'http://127.0.0.1:3004',
      'maintenance-scanner': 'http://127.0.0.1:4005',
    });
  });

  it('refuses a consumer group the ops principal may not use', () => {
    expect(() => loadConfig(consoleConfigSchema, { ...base, KAFKA_GROUP_ID: 'console' })).toThrow(
      /KAFKA_GROUP_ID: must start with ami-ops/,
    );
  });
});
