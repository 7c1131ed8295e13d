/**
 * @ami/testing: helpers for integration tests against the real PostgreSQL, Kafka and EC2
 * emulator the stack starts. Never imported by production code.
 */
export * from './test-env.js';
export * from './database.js';
export * from './kafka.js';
export * from './service-app.js';
export * from './ports.js';
export * from './service-process.js';
export * from './fidelity.js';
