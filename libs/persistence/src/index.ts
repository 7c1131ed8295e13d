/**
 * @ami/persistence: one PostgreSQL database, one schema and one role per service.
 * Offers the TypeORM connection for a service, its readiness check, and the helpers the
 * migration tool uses to create roles and schemas.
 */
export * from './database-options.js';
export * from './persistence.module.js';
export * from './service-schemas.js';
export * from './role-bootstrap.js';
export * from './query-result.js';
