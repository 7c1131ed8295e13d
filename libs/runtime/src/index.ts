/**
 * @ami/runtime: how every service is put together and started. One module that composes
 * config, observability, persistence and messaging for a service, and one boot function
 * (Fastify HTTP, the Kafka event transport, graceful shutdown, clear start-up errors).
 */
export * from './service.module.js';
export * from './bootstrap-service.js';
export * from './app-error.js';
export * from './problem-details.filter.js';
export * from './pagination.js';
export * from './parse-input.js';
export * from './grpc.js';
export * from './api/problem.schema.js';
export * from './api/edge-schemas.js';
export * from './api/edge-validation.pipe.js';
export * from './api/json-schema.js';
export * from './api/api-answers.decorator.js';
export * from './api/openapi-document.js';
