import { z } from 'zod';
import * as E from './events/index.js';
import { Topic, Topics } from './topics.js';

/**
 * The one registry of event types: each type's topic and payload schema. Publishing derives
 * the topic from the type and checks the payload's TypeScript type against the schema, so a
 * wrong payload or a wrong topic does not compile; consumers validate with the same schema.
 */
export const EventCatalog = {
  [E.REBUILD_REQUESTED]: { topic: Topics.RebuildRequests, schema: E.rebuildRequestedSchema },
  [E.AUDIT_RECORDED]: { topic: Topics.Audit, schema: E.auditRecordedSchema },
  [E.FAMILY_SPEC_APPLIED]: { topic: Topics.FamilySpecs, schema: E.familySpecAppliedSchema },
  [E.CHANNEL_MOVED]: { topic: Topics.CatalogVersions, schema: E.channelMovedSchema },
  [E.VERSION_IMPORTED]: { topic: Topics.CatalogVersions, schema: E.versionImportedSchema },
  [E.VERSION_REVOKED]: { topic: Topics.CatalogVersions, schema: E.versionRevokedSchema },
  [E.BUILD_STARTED]: { topic: Topics.Builds, schema: E.buildStartedSchema },
  [E.BUILD_STEP_CHANGED]: { topic: Topics.Builds, schema: E.buildStepChangedSchema },
  [E.BUILD_SUCCEEDED]: { topic: Topics.Builds, schema: E.buildSucceededSchema },
  [E.BUILD_FAILED]: { topic: Topics.Builds, schema: E.buildFailedSchema },
  [E.BUILD_REJECTED]: { topic: Topics.Builds, schema: E.buildRejectedSchema },
  [E.COPY_STARTED]: { topic: Topics.Copies, schema: E.copyStartedSchema },
  [E.COPY_SUCCEEDED]: { topic: Topics.Copies, schema: E.copySucceededSchema },
  [E.COPY_FAILED]: { topic: Topics.Copies, schema: E.copyFailedSchema },
  [E.COPY_RELEASED]: { topic: Topics.Copies, schema: E.copyReleasedSchema },
  [E.DISTRIBUTION_TARGET_WRITTEN]: {
    topic: Topics.Copies,
    schema: E.distributionTargetWrittenSchema,
  },
  [E.DISTRIBUTION_TARGET_FAILED]: {
    topic: Topics.Copies,
    schema: E.distributionTargetFailedSchema,
  },
  [E.DISTRIBUTION_TARGET_DRIFTED]: {
    topic: Topics.Copies,
    schema: E.distributionTargetDriftedSchema,
  },
  [E.LAUNCH_PERMISSIONS_APPLIED]: {
    topic: Topics.LaunchPermissions,
    schema: E.launchPermissionsAppliedSchema,
  },
  [E.LAUNCH_PERMISSIONS_DRIFT_FOUND]: {
    topic: Topics.LaunchPermissions,
    schema: E.launchPermissionsDriftFoundSchema,
  },
  [E.LAUNCH_PERMISSIONS_DRIFT_REPAIRED]: {
    topic: Topics.LaunchPermissions,
    schema: E.launchPermissionsDriftRepairedSchema,
  },
  [E.LAUNCH_PERMISSIONS_REFUSED]: {
    topic: Topics.LaunchPermissions,
    schema: E.launchPermissionsRefusedSchema,
  },
  [E.IMAGE_LIFECYCLE_CHANGED]: { topic: Topics.Lifecycle, schema: E.imageLifecycleChangedSchema },
  [E.MAINTENANCE_FINDINGS_REPORTED]: {
    topic: Topics.Lifecycle,
    schema: E.maintenanceFindingsReportedSchema,
  },
  [E.MAINTENANCE_PROMOTION_REQUESTED]: {
    topic: Topics.Lifecycle,
    schema: E.maintenancePromotionRequestedSchema,
  },
  [E.RETENTION_REPORTED]: { topic: Topics.Lifecycle, schema: E.retentionReportedSchema },
  [E.PLATFORM_PROBE]: { topic: Topics.Diagnostics, schema: E.platformProbeSchema },
} as const satisfies Record<string, { topic: Topic; schema: z.ZodType }>;

export type EventType = keyof typeof EventCatalog;
export type PayloadOf<T extends EventType> = z.infer<(typeof EventCatalog)[T]['schema']>;
export type TopicOf<T extends EventType> = (typeof EventCatalog)[T]['topic'];

/** The event types carried by a topic. */
export type EventTypesOn<TTopic extends Topic> = {
  [K in EventType]: TopicOf<K> extends TTopic ? K : never;
}[EventType];

/** Topic -> the union of payloads it may carry. */
export type TopicPayloads = { [T in Topic]: PayloadOf<EventTypesOn<T>> };

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EventCatalog, type);
}

export function eventTypesOn(topic: string): EventType[] {
  return (Object.keys(EventCatalog) as EventType[]).filter((t) => EventCatalog[t].topic === topic);
}
