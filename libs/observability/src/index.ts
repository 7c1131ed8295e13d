/**
 * @ami/observability: structured logging (pino), Prometheus metrics and the /health and
 * /metrics endpoints every service serves.
 */
export * from './logger.js';
export * from './metrics.service.js';
export * from './health.js';
export * from './observability.module.js';
