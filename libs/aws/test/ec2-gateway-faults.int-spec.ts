// The gateway against injected faults (fidelity proxy in front of real moto): lost answers and
// server errors are retried, and a retried RunInstances does not launch twice.
import { DescribeImagesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { startFidelityForTest, type FidelityForTest } from '@ami/testing';
import type { Ec2Gateway } from '@ami/aws';
import { gatewayFor, uniqueAccount } from './gateway-harness.js';

const region = 'us-east-1';
const account = uniqueAccount('6');
let fidelity: FidelityForTest;
let harness: ReturnType<typeof gatewayFor>;
let gateway: Ec2Gateway;

beforeAll(async () => {
  fidelity = await startFidelityForTest();
  harness = gatewayFor(fidelity, account, { EC2_RETRY_BASE_MS: 50 });
  gateway = harness.gateway;
});

afterAll(async () => {
  gateway?.destroy();
  await fidelity?.close();
});

afterEach(async () => {
  await fidelity?.clearFaults();
});

describe('Ec2Gateway under injected faults', () => {
  it('retries server errors and dropped connections to success', async () => {
    await fidelity.addFault({
      action: 'DescribeImages',
      kind: 'internal-error',
      count: 1,
      account,
    });
    await fidelity.addFault({ action: 'DescribeImages', kind: 'drop', count: 1, account });
    const { Images } = await gateway.send(region, new DescribeImagesCommand({ Owners: ['self'] }));
    expect(Images).toEqual([]);
    expect(await harness.attempts('DescribeImages', 'retried')).toBe(2);
    expect(await harness.attempts('DescribeImages', 'ok')).toBe(1);
  });

  it('launches once when RunInstances acted but its answer was lost', async () => {
    const { Images = [] } = await gateway.send(
      region,
      new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5 }),
    );
    await fidelity.addFault({
      action: 'RunInstances',
      kind: 'drop',
      when: 'after',
      count: 1,
      account,
    });
    await fidelity.resetCounters();

    const { Instances = [] } = await gateway.send(
      region,
      new RunInstancesCommand({ ImageId: Images[0]!.ImageId, MinCount: 1, MaxCount: 1 }),
    );

    const counts = (await fidelity.counters()).actions.RunInstances!;
    expect(counts).toMatchObject({ fault: 1, ok: 1, replayed: 1, upstream: 1 });
    const running = await gateway.describeAllInstances(region);
    expect(running.map((i) => i.InstanceId)).toEqual([Instances[0]!.InstanceId]);
  });
});
