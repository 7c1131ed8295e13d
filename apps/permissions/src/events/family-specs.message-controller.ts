import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { canonicalJson, FAMILY_SPEC_APPLIED } from '@ami/contracts';
import type { CloudEvent, FamilySpecApplied } from '@ami/contracts';
import { APP_CONFIG } from '@ami/config';
import { AuditRecorder, EventContext, OnEvent } from '@ami/messaging';
import type { PermissionsConfig } from '../config/permissions.config.js';
import { CopiesRepository } from '../copies/copies.repository.js';
import { PermissionsWorker } from '../apply/permissions-worker.service.js';
import { Refusals } from '../overrides/refusals.js';
import { refusalReason } from '../sharing/desired-state.js';
import { effectiveSharing } from '../sharing/effective-sharing.js';
import { FamilySharingRepository } from '../sharing/family-sharing.repository.js';
import { platformRules } from '../sharing/platform-rules.js';
import { principalsOf } from '../sharing/principal.js';

/**
 * Kafka adapter: the permissions service's slice of each spec is its sharing. A changed
 * sharing gets every copy of the family a pass (which diffs against the actual attributes);
 * principals the platform forbids are refused with an event and an audit entry.
 */
@Controller()
export class FamilySpecsMessageController {
  constructor(
    @Inject(FamilySharingRepository) private readonly sharing: FamilySharingRepository,
    @Inject(CopiesRepository) private readonly copies: CopiesRepository,
    @Inject(Refusals) private readonly refusals: Refusals,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(PermissionsWorker) private readonly worker: PermissionsWorker,
    @Inject(APP_CONFIG) private readonly config: PermissionsConfig,
  ) {}

  @OnEvent(FAMILY_SPEC_APPLIED)
  async onSpecApplied(
    @Payload() event: CloudEvent<string, FamilySpecApplied>,
    @Ctx() ctx: EventContext,
  ) {
    const { family, specVersion, spec: applied, appliedBy } = event.data;
    const spec = { ...applied, sharing: effectiveSharing(applied) };
    const saved = await this.sharing.savePolicy(ctx.tx, family, specVersion, spec.sharing);
    if (!saved) return; // an older or replayed spec version: never move backwards
    const rules = platformRules(this.config);
    const refused = principalsOf(spec.sharing)
      .map((principal) => ({ principal, reason: refusalReason(principal, rules) }))
      .filter((r): r is { principal: typeof r.principal; reason: string } => r.reason !== null);
    await this.refusals.record(ctx.tx, { family, origin: 'spec', requestedBy: appliedBy, refused });
    if (saved.previous && canonicalJson(saved.previous) === canonicalJson(spec.sharing)) return;
    await this.audit.record(
      ctx.tx,
      {
        actor: appliedBy,
        action: 'launch-permissions.desired-changed',
        subject: { family },
        before: saved.previous,
        after: { ...spec.sharing, specVersion },
        outcome: 'succeeded',
      },
      event,
    );
    await this.copies.requestPass(ctx.tx, { family }, `spec version ${specVersion}`);
    this.worker.nudge();
  }
}
