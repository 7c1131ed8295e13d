/**
 * @ami/contracts: what services say to each other. CloudEvents envelopes, versioned topic
 * names, one folder per event with its payload schema and type, the event catalog that ties
 * each type to its topic, the image family spec schema, and the gRPC .proto files
 * (libs/contracts/proto). JSON Schemas of the public topics and of the family spec are in
 * libs/contracts/schemas (npm run schemas regenerates them).
 */
export * from './envelope/cloud-event.js';
export * from './topics.js';
export * from './event-catalog.js';
export * from './json-schemas.js';
export * from './events/index.js';
export * from './family-spec/family-spec.schema.js';
export { cronProblem, isTimeZone, nextRun } from './family-spec/cron.js';
export * from './digest.js';
