import { z } from 'zod';

export const sweepBody = z
  .object({
    dryRun: z
      .boolean()
      .default(true)
      .meta({ description: 'only list what would be removed (the default)' }),
  })
  .strict();

const finding = z.object({
  kind: z.enum(['instance', 'image', 'snapshot']),
  id: z.string(),
  region: z.string(),
  buildId: z.string(),
  family: z.string().nullable(),
  createdAt: z.string().nullable().meta({ description: 'when EC2 says it was made' }),
  reason: z.string().meta({ description: 'why it is a leftover' }),
  result: z
    .enum(['removed', 'gone', 'skipped', 'failed'])
    .optional()
    .meta({ description: 'after a real sweep: what became of it' }),
});

export const sweepReport = z.object({
  dryRun: z.boolean(),
  regions: z.array(z.string()).meta({ description: 'the regions swept' }),
  unreachable: z
    .array(z.object({ region: z.string(), reason: z.string() }))
    .meta({ description: 'regions EC2 did not answer for, with its answer; the rest were swept' }),
  examined: z.number().int().meta({ description: 'tagged resources looked at' }),
  findings: z.array(finding),
});
