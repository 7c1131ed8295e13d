import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

export interface AwsClientSettings {
  /** Local mode: the fidelity proxy (or moto) instead of AWS. */
  endpoint?: string;
  /** How long one attempt may go without an answer before it counts as a network failure. */
  requestTimeoutMs?: number;
}

interface HeaderBearer {
  headers: Record<string, string>;
}

/** moto (and the fidelity proxy) learn the account of a call from this header. */
export const MOTO_ACCOUNT_HEADER = 'x-moto-account-id';

function localAccount(client: EC2Client | SSMClient | STSClient, account: string): void {
  // the clients' stacks differ only in their input/output types
  (client as EC2Client).middlewareStack.add(
    (next) => async (args) => {
      (args.request as HeaderBearer).headers[MOTO_ACCOUNT_HEADER] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccountHeader' },
  );
}

/**
 * One SDK client per service x account x region, created on first use. Credentials come from
 * the SDK's default chain. The SDK's own retries are off (maxAttempts 1): the gateway paces
 * and retries, and two retry layers would multiply attempts.
 */
export class AwsClients {
  private readonly clients = new Map<string, EC2Client | SSMClient>();
  /** account -> the role assumed there (owned copies in other accounts). */
  private readonly roles = new Map<string, string>();
  private sts: STSClient | undefined;

  constructor(
    private readonly settings: AwsClientSettings & { defaultAccount?: string; stsRegion?: string },
  ) {}

  /**
   * Calls in `account` act as `roleArn`, assumed with STS from the platform's own credentials
   * (cached until five minutes before they expire). Clients made for the account before are
   * replaced.
   */
  useRole(account: string, roleArn: string): void {
    if (this.roles.get(account) === roleArn) return;
    this.roles.set(account, roleArn);
    for (const [key, client] of this.clients)
      if (key.split('/')[1] === account) {
        client.destroy();
        this.clients.delete(key);
      }
  }

  private assumedCredentials(roleArn: string) {
    let cached: { expiration?: Date } | undefined;
    let pending: Promise<any> | undefined;
    return async () => {
      if (cached?.expiration && cached.expiration.getTime() - Date.now() > 5 * 60_000)
        return cached;
      pending ??= this.stsClient()
        .send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: 'ami-factory-replicator',
            DurationSeconds: 3600,
          }),
        )
        .then((out) => {
          const c = out.Credentials;
          if (!c?.AccessKeyId || !c.SecretAccessKey)
            throw new Error(`AssumeRole ${roleArn} answered without credentials`);
          cached = {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            sessionToken: c.SessionToken,
            expiration: c.Expiration,
          } as { expiration?: Date };
          return cached;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    };
  }

  private stsClient(): STSClient {
    if (!this.sts) {
      this.sts = new STSClient({
        ...this.options(this.settings.stsRegion ?? 'us-east-1'),
        maxAttempts: 3,
      });
      if (this.settings.endpoint && this.settings.defaultAccount)
        localAccount(this.sts, this.settings.defaultAccount);
    }
    return this.sts;
  }

  ec2(region: string, account: string): EC2Client {
    return this.get(
      `ec2/${account}/${region}`,
      () => new EC2Client(this.options(region, account)),
      account,
    );
  }

  ssm(region: string, account: string): SSMClient {
    return this.get(
      `ssm/${account}/${region}`,
      () => new SSMClient(this.options(region, account)),
      account,
    );
  }

  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
    this.sts?.destroy();
    this.sts = undefined;
  }

  private get<C extends EC2Client | SSMClient>(key: string, create: () => C, account: string): C {
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      client = create();
      if (this.settings.endpoint) localAccount(client, account);
      this.clients.set(key, client);
    }
    return client;
  }

  private options(region: string, account?: string) {
    const role = account ? this.roles.get(account) : undefined;
    return {
      region,
      ...(role ? { credentials: this.assumedCredentials(role) } : {}),
      maxAttempts: 1,
      ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
      requestHandler: {
        connectionTimeout: 5_000,
        requestTimeout: this.settings.requestTimeoutMs ?? 60_000,
      },
    };
  }
}
