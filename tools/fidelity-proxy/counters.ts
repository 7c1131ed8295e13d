// Call counts per action and outcome, so tests and benchmarks can assert API economy.
// ok/throttled/fault/error count the clients' calls by how they ended; "upstream" counts
// the clients' calls that reached moto, "internal" the proxy's own calls to moto (name and
// existence checks, snapshot clean-up); "replayed" counts ClientToken replays.
import { scopeKey, type Scope } from './ec2-request.js';

export const OUTCOMES = ['ok', 'throttled', 'fault', 'error'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface ActionCounts {
  ok: number;
  throttled: number;
  fault: number;
  error: number;
  upstream: number;
  internal: number;
  replayed: number;
}

export interface CountersSnapshot {
  since: string;
  /** By action name; SSM actions are prefixed `ssm:`. */
  actions: Record<string, ActionCounts>;
  /** The same, split by `account/region`. */
  scopes: Record<string, Record<string, ActionCounts>>;
  totals: ActionCounts;
}

const empty = (): ActionCounts => ({
  ok: 0,
  throttled: 0,
  fault: 0,
  error: 0,
  upstream: 0,
  internal: 0,
  replayed: 0,
});

export class Counters {
  private actions = new Map<string, ActionCounts>();
  private scopes = new Map<string, Map<string, ActionCounts>>();
  private since = new Date();

  record(scope: Scope, action: string, outcome: Outcome): void {
    this.bump(scope, action, outcome);
  }

  upstream(scope: Scope, action: string): void {
    this.bump(scope, action, 'upstream');
  }

  internal(scope: Scope, action: string): void {
    this.bump(scope, action, 'internal');
  }

  replayed(scope: Scope, action: string): void {
    this.bump(scope, action, 'replayed');
  }

  get(action: string): ActionCounts {
    return { ...(this.actions.get(action) ?? empty()) };
  }

  snapshot(): CountersSnapshot {
    const totals = empty();
    const actions: Record<string, ActionCounts> = {};
    for (const [action, counts] of this.actions) {
      actions[action] = { ...counts };
      for (const field of Object.keys(totals) as Array<keyof ActionCounts>)
        totals[field] += counts[field];
    }
    const scopes: Record<string, Record<string, ActionCounts>> = {};
    for (const [scope, byAction] of this.scopes) {
      scopes[scope] = Object.fromEntries(
        [...byAction].map(([action, counts]) => [action, { ...counts }]),
      );
    }
    return { since: this.since.toISOString(), actions, scopes, totals };
  }

  reset(): void {
    this.actions = new Map();
    this.scopes = new Map();
    this.since = new Date();
  }

  private bump(scope: Scope, action: string, field: keyof ActionCounts): void {
    const global = this.actions.get(action) ?? empty();
    global[field]++;
    this.actions.set(action, global);
    const key = scopeKey(scope);
    const byAction = this.scopes.get(key) ?? new Map<string, ActionCounts>();
    const scoped = byAction.get(action) ?? empty();
    scoped[field]++;
    byAction.set(action, scoped);
    this.scopes.set(key, byAction);
  }
}
