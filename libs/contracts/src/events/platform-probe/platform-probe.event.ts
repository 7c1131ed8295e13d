import { z } from 'zod';
import { timestamp } from '../shared.js';

/**
 * A probe through the event path (outbox, relay, broker, inbox) that no service acts on: for
 * measuring the backbone (bench/event-path.bench.ts) without side effects on real topics.
 */
export const PLATFORM_PROBE = 'ami.platform.probe';
export const platformProbeSchema = z
  .object({
    probeId: z.string().min(1).max(200),
    sentAt: timestamp,
    note: z.string().max(2000).optional(),
  })
  .strict();
export type PlatformProbe = z.infer<typeof platformProbeSchema>;
