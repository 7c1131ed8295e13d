/**
 * @ami/config: typed, validated configuration read from the environment.
 * Each service declares one zod schema; loadConfig fails at boot naming every bad variable.
 */
export * from './load-config.js';
export * from './common-config.js';
export * from './config.module.js';
