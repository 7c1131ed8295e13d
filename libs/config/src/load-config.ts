import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment with a zod object schema whose keys are the variable names.
 * Every problem is reported at once, as "VARIABLE: what is wrong", and values are never echoed
 * (a variable may hold a secret).
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    input[key] = value === '' ? undefined : value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(root)';
        const missing = issue.code === 'invalid_type' && input[name] === undefined;
        return `${name}: ${missing ? 'is required but not set' : issue.message}`;
      }),
    );
  }
  return result.data;
}

/** Common field builders, so every service spells its variables the same way. */
export const env = {
  port: (def?: number) =>
    def === undefined
      ? z.coerce.number().int().min(1).max(65535)
      : z.coerce.number().int().min(0).max(65535).default(def),
  int: (def: number, min = 0) => z.coerce.number().int().min(min).default(def),
  string: (def?: string) =>
    def === undefined ? z.string().min(1) : z.string().min(1).default(def),
  secret: () => z.string().min(1),
  bool: (def: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  url: (def?: string) => (def === undefined ? z.url() : z.url().default(def)),
  list: (def: string) =>
    z
      .string()
      .default(def)
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
  enumOf: <T extends readonly [string, ...string[]]>(values: T, def: T[number]) =>
    z.enum(values).default(def as any),
};
