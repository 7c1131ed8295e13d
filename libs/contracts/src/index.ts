/**
 * @ami/contracts: what services say to each other. CloudEvents envelopes, versioned topic
 * names, one folder per event with its payload schema and type, and the event catalog that
 * ties each type to its topic. Also the gRPC .proto files (libs/contracts/proto).
 */
export * from './envelope/cloud-event.js';
export * from './topics.js';
export * from './event-catalog.js';
export * from './json-schemas.js';
export * from './events/rebuild-requested/rebuild-requested.event.js';
export * from './events/audit-recorded/audit-recorded.event.js';
