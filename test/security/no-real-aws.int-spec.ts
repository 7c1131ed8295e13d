import net from 'node:net';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { assertLocalEndpoint, testEnv } from '@ami/testing';

/**
 * The integration setup (libs/testing/src/setup/refuse-real-aws.ts) makes AWS unreachable from
 * a test: a lookup of an AWS host name fails before any connection is opened, and the endpoint
 * the tests use must be on loopback.
 */
describe('tests cannot reach real AWS', () => {
  const connects: string[] = [];
  const originalConnect = net.Socket.prototype.connect;
  beforeAll(() => {
    // Records every connection this file's sockets establish, by the host they were asked for.
    net.Socket.prototype.connect = function (this: net.Socket, ...args: any[]) {
      // net.connect hands over its arguments normalised: [[options, callback]]
      const first = Array.isArray(args[0]) ? args[0][0] : args[0];
      const options = typeof first === 'object' ? first : { port: first, host: args[1] };
      this.once('connect', () => connects.push(`${options.host}:${options.port}`));
      return (originalConnect as any).apply(this, args);
    } as typeof net.Socket.prototype.connect;
  });
  afterAll(() => {
    net.Socket.prototype.connect = originalConnect;
  });

  const describeImages = async (client: EC2Client) => {
    try {
      await client.send(new DescribeImagesCommand({ Owners: ['self'] }));
      return 'answered';
    } catch (error) {
      return (error as Error).message;
    } finally {
      client.destroy();
    }
  };
  const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example' };

  it('refuses an EC2 client with the regional AWS endpoint before any connection', async () => {
    connects.length = 0;
    const client = new EC2Client({
      region: 'us-east-1',
      endpoint: 'https://ec2.us-east-1.amazonaws.com',
      credentials,
      maxAttempts: 1,
    });
    expect(await describeImages(client)).toMatch(
      /tests must not reach AWS: lookup of ec2\.us-east-1\.amazonaws\.com refused/,
    );
    expect(connects.filter((c) => /amazonaws/.test(c))).toEqual([]);
  });

  it("refuses an EC2 client left on the SDK's default endpoint", async () => {
    connects.length = 0;
    const saved = process.env.AWS_ENDPOINT_URL;
    delete process.env.AWS_ENDPOINT_URL;
    try {
      const client = new EC2Client({ region: 'us-east-1', credentials, maxAttempts: 1 });
      expect(await describeImages(client)).toMatch(
        /tests must not reach AWS: lookup of .*amazonaws\.com refused/,
      );
    } finally {
      process.env.AWS_ENDPOINT_URL = saved;
    }
    expect(connects.filter((c) => /amazonaws/.test(c))).toEqual([]);
  });

  it('lets the same client reach the local emulator (the guard refuses AWS, not the SDK)', async () => {
    const client = new EC2Client({
      region: 'us-east-1',
      endpoint: testEnv().awsEndpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
    connects.length = 0;
    expect(await describeImages(client)).toBe('answered');
    // the recorder sees connections: the test above would notice one to AWS
    expect(connects).toEqual([
      `${new URL(testEnv().awsEndpoint).hostname}:${new URL(testEnv().awsEndpoint).port}`,
    ]);
  });

  it.each([
    'https://ec2.us-east-1.amazonaws.com',
    'https://ec2.eu-west-1.amazonaws.com/',
    'https://ec2.cn-north-1.amazonaws.com.cn',
    'http://169.254.169.254/latest/meta-data',
    'https://localhost.amazonaws.com',
  ])('assertLocalEndpoint refuses %s', (url) => {
    expect(() => assertLocalEndpoint(url)).toThrow(/tests refuse to talk to/);
  });

  it.each(['http://127.0.0.1:4576', 'http://localhost:5010', 'http://[::1]:4576'])(
    'assertLocalEndpoint accepts the loopback endpoint %s',
    (url) => {
      expect(() => assertLocalEndpoint(url)).not.toThrow();
    },
  );

  it('points the AWS SDK of every test at the loopback emulator with dummy credentials', () => {
    expect(() => assertLocalEndpoint(process.env.AWS_ENDPOINT_URL!)).not.toThrow();
    expect(process.env.AWS_SECRET_ACCESS_KEY).toBe('testing');
  });
});
