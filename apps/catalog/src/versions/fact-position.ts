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

export function positionOf(event: Pick<CloudEvent, 'type' | 'time'>): FactPosition {
  return { time: event.time, rank: RANKS[event.type] ?? 0 };
}
