import { z } from 'zod';
import { family, version } from '../shared.js';

/** A channel (dev, staging, prod, ...) of a family now points at another version. */
export const CHANNEL_MOVED = 'ami.channel.moved';
export const channelMovedSchema = z
  .object({
    family,
    channel: z.string().min(1),
    version,
    previousVersion: version.nullable(),
    movement: z.enum(['promote', 'rollback']),
    movedBy: z.string().min(1),
    forced: z.boolean(),
  })
  .strict();
export type ChannelMoved = z.infer<typeof channelMovedSchema>;
