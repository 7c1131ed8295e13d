// ClientToken idempotency for RunInstances, CopyImage and the launch template writes, which moto ignores. The first
// successful answer for account + region + action + token is replayed to every retry
// without calling moto again; a retry with different parameters is refused as EC2 does.
import { createHash } from 'node:crypto';
import { getParam, scopeKey, withoutParams, type Ec2Call } from './ec2-request.js';
import { ec2Error, isSuccess, type Ec2Response } from './responses.js';

export const IDEMPOTENT_ACTIONS = new Set([
  'RunInstances',
  'CopyImage',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
]);

interface Entry {
  fingerprint: string;
  response: Promise<Ec2Response>;
}

// The SDK generates a token for every call, so the cache is bounded.
const MAX_ENTRIES = 20_000;

export class ClientTokens {
  private readonly entries = new Map<string, Entry>();
  replays = 0;

  /**
   * Runs `execute` once per token; later calls with the same token get the first answer.
   * Failed answers are not remembered, so a retry after a failure runs again.
   */
  async run(
    call: Ec2Call,
    execute: () => Promise<Ec2Response>,
  ): Promise<Ec2Response & { replayed?: boolean }> {
    const token = getParam(call.params, 'ClientToken');
    if (!token || !IDEMPOTENT_ACTIONS.has(call.action)) return execute();
    const key = `${scopeKey(call)}/${call.action}/${token}`;
    const fingerprint = fingerprintOf(call);
    const existing = this.entries.get(key);
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        return ec2Error(
          400,
          'IdempotentParameterMismatch',
          `The client token ${token} was already used for a ${call.action} request with different parameters.`,
        );
      }
      this.replays++;
      return { ...(await existing.response), replayed: true };
    }
    const response = execute();
    this.entries.set(key, { fingerprint, response });
    this.evictOldest();
    try {
      const answer = await response;
      if (!isSuccess(answer)) this.entries.delete(key);
      return answer;
    } catch (error) {
      this.entries.delete(key);
      throw error;
    }
  }

  reset(): void {
    this.entries.clear();
    this.replays = 0;
  }

  private evictOldest(): void {
    while (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

function fingerprintOf(call: Ec2Call): string {
  const params = withoutParams(call.params, ['ClientToken', 'Version'])
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  return createHash('sha256').update(params.join('&')).digest('hex');
}
