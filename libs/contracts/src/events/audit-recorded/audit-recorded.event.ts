import { z } from 'zod';

/** One event per state change anywhere in the platform: who did what to which image, and how it ended. */
export const AUDIT_RECORDED = 'ami.audit.recorded';

export const auditSubjectSchema = z
  .object({
    family: z.string().min(1),
    version: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    imageId: z.string().min(1).optional(),
    /** A channel, for what follows channel moves (distribution targets). */
    channel: z.string().min(1).optional(),
    /** A distribution target: `ssm-parameter:<name>` or `launch-template:<id:… | name:…>`. */
    target: z.string().min(1).optional(),
  })
  .strict();

export const auditRecordedSchema = z
  .object({
    actor: z.string().min(1),
    action: z.string().min(1),
    subject: auditSubjectSchema,
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
    outcome: z.enum(['succeeded', 'failed', 'rejected', 'started']),
    reason: z.string().optional(),
  })
  .strict();

export type AuditRecorded = z.infer<typeof auditRecordedSchema>;
export type AuditSubject = z.infer<typeof auditSubjectSchema>;
