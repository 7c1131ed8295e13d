import { z } from 'zod';
import { ConfigError, env, loadConfig } from './load-config.js';

describe('loadConfig', () => {
  const schema = z.object({
    HTTP_PORT: env.port(),
    DB_PASSWORD: env.secret(),
    KAFKA_BROKERS: env.list('127.0.0.1:19092'),
    ALLOW_PUBLIC_AMIS: env.bool(false),
  });

  it('applies defaults and coerces types', () => {
    const config = loadConfig(schema, { HTTP_PORT: '3001', DB_PASSWORD: 's3cret' });
    expect(config).toEqual({
      HTTP_PORT: 3001,
      DB_PASSWORD: 's3cret',
      KAFKA_BROKERS: ['127.0.0.1:19092'],
      ALLOW_PUBLIC_AMIS: false,
    });
  });

  it('names every bad variable and what is wrong, without echoing values', () => {
    let error: unknown;
    try {
      loadConfig(schema, { HTTP_PORT: '99999', ALLOW_PUBLIC_AMIS: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('HTTP_PORT:'))).toMatch(/65535/);
    expect(problems).toContain('DB_PASSWORD: is required but not set');
    expect(problems.find((p) => p.startsWith('ALLOW_PUBLIC_AMIS:'))).toBeDefined();
    expect((error as Error).message).not.toContain('maybe');
  });

  it('treats an empty variable as unset', () => {
    expect(() => loadConfig(schema, { HTTP_PORT: '3001', DB_PASSWORD: '' })).toThrow(
      /DB_PASSWORD: is required/,
    );
  });
});
