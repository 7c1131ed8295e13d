import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@ami/config';
import { AuditRecorder } from '@ami/messaging';
import { AppError, type ProblemItem } from '@ami/runtime';
import type { PermissionsConfig } from '../config/permissions.config.js';
import { CopiesRepository } from '../copies/copies.repository.js';
import { refusalReason } from '../sharing/desired-state.js';
import {
  FamilySharingRepository,
  type StoredOverride,
} from '../sharing/family-sharing.repository.js';
import { platformRules } from '../sharing/platform-rules.js';
import { principalFormatProblem, principalsOf, type Principal } from '../sharing/principal.js';
import { Refusals } from './refusals.js';

export interface OverrideCommand {
  family: string;
  effect: 'grant' | 'revoke';
  version?: string;
  accounts?: string[];
  organizationArns?: string[];
  organizationalUnitArns?: string[];
  public?: boolean;
  expiresAt?: string;
  reason: string;
  actor: string;
}

/**
 * Manual grants and revocations (admin only): validated, refused when the platform's rules
 * forbid them (with an audit event), recorded as part of the desired state so reconciling does
 * not undo them, audited, and applied at once to the copies they touch.
 */
@Injectable()
export class ManualOverrides {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(FamilySharingRepository) private readonly sharing: FamilySharingRepository,
    @Inject(CopiesRepository) private readonly copies: CopiesRepository,
    @Inject(Refusals) private readonly refusals: Refusals,
    @Inject(AuditRecorder) private readonly audit: AuditRecorder,
    @Inject(APP_CONFIG) private readonly config: PermissionsConfig,
  ) {}

  async add(cmd: OverrideCommand): Promise<StoredOverride[]> {
    const principals = this.validPrincipals(cmd);
    const expiresAt = this.expiry(cmd.expiresAt);
    await this.checkTarget(cmd.family, cmd.version);
    if (cmd.effect === 'grant') await this.refuseForbidden(cmd, principals);
    return this.db.transaction(async (tx) => {
      const stored: StoredOverride[] = [];
      for (const principal of principals) {
        const o = await this.sharing.addOverride(tx, {
          family: cmd.family,
          version: cmd.version ?? null,
          effect: cmd.effect,
          principal,
          reason: cmd.reason,
          requestedBy: cmd.actor,
          expiresAt,
        });
        stored.push(o);
        await this.audit.record(tx, {
          actor: cmd.actor,
          action:
            cmd.effect === 'grant' ? 'launch-permissions.granted' : 'launch-permissions.revoked',
          subject: { family: cmd.family, ...(cmd.version ? { version: cmd.version } : {}) },
          before: null,
          after: { id: o.id, principal, expiresAt: expiresAt?.toISOString() ?? null },
          outcome: 'succeeded',
          reason: cmd.reason,
        });
      }
      await this.copies.requestPass(
        tx,
        { family: cmd.family, ...(cmd.version ? { version: cmd.version } : {}) },
        `manual ${cmd.effect} by ${cmd.actor}`,
      );
      return stored;
    });
  }

  /** Withdraws a grant or revocation before its expiry. */
  withdraw(family: string, id: string, actor: string): Promise<StoredOverride> {
    return this.db.transaction(async (tx) => {
      const ended = await this.sharing.endOverride(tx, family, id, actor, 'withdrawn');
      if (!ended)
        throw AppError.notFound(`no active grant or revocation ${id} for family ${family}`);
      await this.audit.record(tx, {
        actor,
        action:
          ended.effect === 'grant'
            ? 'launch-permissions.grant-withdrawn'
            : 'launch-permissions.revocation-withdrawn',
        subject: { family, ...(ended.version ? { version: ended.version } : {}) },
        before: { id: ended.id, principal: ended.principal },
        after: null,
        outcome: 'succeeded',
      });
      await this.copies.requestPass(
        tx,
        { family, ...(ended.version ? { version: ended.version } : {}) },
        `${ended.effect} ${id} withdrawn by ${actor}`,
      );
      return ended;
    });
  }

  private validPrincipals(cmd: OverrideCommand): Principal[] {
    const problems: ProblemItem[] = [];
    const check = (field: keyof OverrideCommand, kind: Principal['kind'], values?: string[]) =>
      (values ?? []).forEach((value, i) => {
        const problem = principalFormatProblem({ kind, value });
        if (problem) problems.push({ path: `${field}.${i}`, message: `${value}: ${problem}` });
      });
    check('accounts', 'account', cmd.accounts);
    check('organizationArns', 'organization', cmd.organizationArns);
    check('organizationalUnitArns', 'organizational-unit', cmd.organizationalUnitArns);
    if (problems.length)
      throw AppError.invalid(`${problems.length} principal(s) are not valid`, problems);
    const principals = principalsOf(cmd);
    if (principals.length === 0)
      throw AppError.invalid('name at least one principal', [
        {
          path: 'accounts',
          message: 'give accounts, organizationArns, organizationalUnitArns or public',
        },
      ]);
    return principals;
  }

  private expiry(text?: string): Date | null {
    if (text === undefined) return null;
    const at = new Date(text);
    if (Number.isNaN(at.getTime()) || at <= new Date())
      throw AppError.invalid('expiresAt must be a time in the future', [
        { path: 'expiresAt', message: 'must be an ISO 8601 time in the future' },
      ]);
    return at;
  }

  private async checkTarget(family: string, version?: string): Promise<void> {
    if (!(await this.sharing.policy(family)))
      throw AppError.notFound(`family ${family} has no sharing spec here yet`);
    if (version === undefined) return;
    const copies = await this.copies.forScope({ family, version });
    if (copies.length === 0)
      throw AppError.notFound(`version ${version} of ${family} is not known`);
    if (copies.every((c) => c.imageState === 'deregistered'))
      throw AppError.conflict(
        `version ${version} of ${family} is deregistered in every region: there is no image to share`,
      );
  }

  private async refuseForbidden(cmd: OverrideCommand, principals: Principal[]): Promise<void> {
    const rules = platformRules(this.config);
    const refused = principals
      .map((principal) => ({ principal, reason: refusalReason(principal, rules) }))
      .filter((r): r is { principal: Principal; reason: string } => r.reason !== null);
    if (refused.length === 0) return;
    await this.db.transaction((tx) =>
      this.refusals.record(tx, {
        family: cmd.family,
        version: cmd.version,
        origin: 'api',
        requestedBy: cmd.actor,
        refused,
      }),
    );
    throw new AppError(
      'forbidden',
      `refused: ${refused.map((r) => `${r.principal.value} (${r.reason})`).join('; ')}`,
      refused.map((r) => ({
        path: r.principal.kind,
        message: `${r.principal.value}: ${r.reason}`,
      })),
    );
  }
}
