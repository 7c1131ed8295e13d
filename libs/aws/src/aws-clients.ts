import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';

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

function localAccount(client: EC2Client | SSMClient, account: string): void {
  // the two clients' stacks differ only in their input/output types
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

  constructor(private readonly settings: AwsClientSettings) {}

  ec2(region: string, account: string): EC2Client {
    return this.get(`ec2/${account}/${region}`, () => new EC2Client(this.options(region)), account);
  }

  ssm(region: string, account: string): SSMClient {
    return this.get(`ssm/${account}/${region}`, () => new SSMClient(this.options(region)), account);
  }

  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
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

  private options(region: string) {
    return {
      region,
      maxAttempts: 1,
      ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
      requestHandler: {
        connectionTimeout: 5_000,
        requestTimeout: this.settings.requestTimeoutMs ?? 60_000,
      },
    };
  }
}
