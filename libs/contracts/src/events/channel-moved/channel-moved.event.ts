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
    /**
     * The move's place in the channel's history (the catalog's assignment id): increases with
     * every move of one channel, so a consumer keeping its own pointer takes a move only if it
     * is later than the one it holds. Absent in events from before it was added.
     */
    sequence: z.number().int().min(1).optional(),
  })
  .strict();
export type ChannelMoved = z.infer<typeof channelMovedSchema>;
