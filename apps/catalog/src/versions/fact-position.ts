import {
  BUILD_SUCCEEDED,
  CloudEvent,
  COPY_FAILED,
  COPY_STARTED,
  COPY_SUCCEEDED,
  IMAGE_LIFECYCLE_CHANGED,
} from '@ami/contracts';

/**
 * Where a fact stands in its copy's history: the producing transaction's time (the CloudEvents
 * `time`), then a rank that orders kinds of fact written in the same instant (a copy is started
 * before it succeeds or fails, and a lifecycle change comes after the copy it changes). A
 * projected copy takes a fact only if its position is later than the one it holds
 * (docs/adr/012-catalog-projection-order.md).
 */
export interface FactPosition {
  time: string;
  rank: number;
}

const RANKS: Record<string, number> = {
  [COPY_STARTED]: 1,
  [COPY_FAILED]: 2,
  [COPY_SUCCEEDED]: 2,
  [BUILD_SUCCEEDED]: 2,
  [IMAGE_LIFECYCLE_CHANGED]: 3,
};

/**
 * When a fact happened. Facts reach the projections only from the service that owns their
 * topic (the consumer's source guard), and those always stamp `time`; a fact without one
 * cannot claim to be newer than anything a row holds, so it counts as the oldest possible.
 */
export function factTime(event: Pick<CloudEvent, 'time'>): string {
  return event.time ?? new Date(0).toISOString();
}

export function positionOf(event: Pick<CloudEvent, 'type' | 'time'>): FactPosition {
  return { time: factTime(event), rank: RANKS[event.type] ?? 0 };
}
