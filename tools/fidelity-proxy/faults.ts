// Fault injection, switched at run time: per action (or '*'), fire with a probability
// and/or for the next N matching calls. Kinds: HTTP 500 InternalError, HTTP 503
// Unavailable, EC2's throttling answer (a fraction of calls throttled, whatever the buckets
// say), added latency, or a dropped connection. 'after' faults let the call reach
// moto and then lose the answer, the case idempotency exists for.
import { randomUUID } from 'node:crypto';
import type { Scope } from './ec2-request.js';

export const FAULT_KINDS = [
  'internal-error',
  'unavailable',
  'throttled',
  'latency',
  'drop',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultWhen = 'before' | 'after';

export interface FaultRuleInput {
  /** An action name (RunInstances, SendCommand) or '*'. Default '*'. */
  action?: string;
  /** Limit to one service ('ec2', 'ssm'); default any. */
  service?: string;
  kind: FaultKind;
  /** Chance that a matching call is hit, 0..1; default 1. */
  probability?: number;
  /** Hit at most this many calls, then the rule retires; default unlimited. */
  count?: number;
  /** For kind 'latency'. */
  latencyMs?: number;
  /** 'before' (default): the call never reaches moto. 'after': moto acts, the answer is lost. */
  when?: FaultWhen;
  account?: string;
  region?: string;
}

export interface FaultRule {
  id: string;
  action: string;
  service?: string;
  kind: FaultKind;
  probability: number;
  remaining?: number;
  latencyMs: number;
  when: FaultWhen;
  account?: string;
  region?: string;
  hits: number;
}

export interface FaultTarget extends Scope {
  service: string;
  action: string;
}

export function validateFaultRule(input: unknown): FaultRuleInput {
  if (typeof input !== 'object' || input === null)
    throw new Error('a fault rule must be a JSON object');
  const rule = input as Record<string, unknown>;
  if (!FAULT_KINDS.includes(rule.kind as FaultKind))
    throw new Error(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  if (rule.action !== undefined && (typeof rule.action !== 'string' || rule.action === ''))
    throw new Error('action must be a non-empty string');
  if (
    rule.probability !== undefined &&
    (typeof rule.probability !== 'number' || rule.probability < 0 || rule.probability > 1)
  ) {
    throw new Error('probability must be a number between 0 and 1');
  }
  if (rule.count !== undefined && (!Number.isInteger(rule.count) || (rule.count as number) < 1))
    throw new Error('count must be an integer >= 1');
  if (rule.kind === 'latency' && (typeof rule.latencyMs !== 'number' || rule.latencyMs < 0))
    throw new Error('latency rules need latencyMs >= 0');
  if (rule.when !== undefined && rule.when !== 'before' && rule.when !== 'after')
    throw new Error("when must be 'before' or 'after'");
  if ((rule.kind === 'latency' || rule.kind === 'throttled') && rule.when === 'after')
    throw new Error(`${rule.kind} rules apply before the call; leave 'when' out`);
  for (const field of ['service', 'account', 'region'] as const) {
    if (rule[field] !== undefined && typeof rule[field] !== 'string')
      throw new Error(`${field} must be a string`);
  }
  return rule as unknown as FaultRuleInput;
}

export class Faults {
  private rules: FaultRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(input: FaultRuleInput): FaultRule {
    const valid = validateFaultRule(input);
    const rule: FaultRule = {
      id: randomUUID(),
      action: valid.action ?? '*',
      service: valid.service,
      kind: valid.kind,
      probability: valid.probability ?? 1,
      remaining: valid.count,
      latencyMs: valid.latencyMs ?? 0,
      when: valid.when ?? 'before',
      account: valid.account,
      region: valid.region,
      hits: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length < before;
  }

  clear(): number {
    const removed = this.rules.length;
    this.rules = [];
    return removed;
  }

  /** Total latency to add to this call (every firing latency rule adds its share). */
  latencyFor(target: FaultTarget): number {
    let total = 0;
    for (const rule of this.rules.filter((r) => r.kind === 'latency' && this.matches(r, target))) {
      if (this.fire(rule)) total += rule.latencyMs;
    }
    return total;
  }

  /** The first error/drop rule that fires for this call at this moment, if any. */
  pick(target: FaultTarget, when: FaultWhen): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.kind === 'latency' || rule.when !== when || !this.matches(rule, target)) continue;
      if (this.fire(rule)) return { ...rule };
    }
    return undefined;
  }

  private matches(rule: FaultRule, target: FaultTarget): boolean {
    return (
      (rule.action === '*' || rule.action === target.action) &&
      (rule.service === undefined || rule.service === target.service) &&
      (rule.account === undefined || rule.account === target.account) &&
      (rule.region === undefined || rule.region === target.region)
    );
  }

  private fire(rule: FaultRule): boolean {
    if (rule.remaining !== undefined && rule.remaining <= 0) return false;
    if (rule.probability < 1 && this.random() >= rule.probability) return false;
    rule.hits++;
    if (rule.remaining !== undefined) {
      rule.remaining--;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    }
    return true;
  }
}
