/**
 * Every Kafka topic of the platform. Names are versioned: a breaking change to a payload
 * gets a new topic (….v2) that runs beside the old one until consumers move. Each service
 * publishes only facts about its own slice; commands have their own topic.
 * `ami.rebuild-requests.v1` and `ami.audit.v1` are public interfaces: their names are fixed.
 */
export const Topics = {
  /** Commands: rebuild this family (any producer). */
  RebuildRequests: 'ami.rebuild-requests.v1',
  /** One event per state change, ordered per family. */
  Audit: 'ami.audit.v1',
  /** catalog: family spec versions (each service takes its slice). */
  FamilySpecs: 'ami.catalog.family-specs.v1',
  /** catalog: channel moves and imported versions. */
  CatalogVersions: 'ami.catalog.versions.v1',
  /** builder: build lifecycle. */
  Builds: 'ami.builder.builds.v1',
  /** replicator: regional copies, and the distribution targets (SSM parameters, launch templates) channel moves write. */
  Copies: 'ami.replicator.copies.v1',
  /** permissions: launch permissions applied and drift repaired. */
  LaunchPermissions: 'ami.permissions.launch-permissions.v1',
  /** maintenance-scanner: deprecation, disabling, deregistration. */
  Lifecycle: 'ami.maintenance.lifecycle.v1',
  /** Probes of the event path itself; no service acts on them. */
  Diagnostics: 'ami.platform.diagnostics.v1',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

export const ALL_TOPICS: Topic[] = Object.values(Topics);

/** Where a topic's undeliverable messages go, with headers saying why. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}
