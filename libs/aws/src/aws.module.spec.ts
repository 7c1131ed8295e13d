import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import pino from 'pino';
import { APP_CONFIG } from '@ami/config';
import { MetricsService, ROOT_LOGGER } from '@ami/observability';
import { AwsModule } from './aws.module.js';
import { Ec2Gateway } from './ec2-gateway.js';

@Global()
@Module({
  providers: [
    {
      provide: APP_CONFIG,
      useValue: { AWS_REGION: 'eu-west-1', AWS_ACCOUNT_ID: '222233334444', LOG_LEVEL: 'silent' },
    },
    MetricsService,
    { provide: ROOT_LOGGER, useValue: pino({ level: 'silent' }) },
  ],
  exports: [APP_CONFIG, MetricsService, ROOT_LOGGER],
})
class ServiceBasics {}

describe('AwsModule', () => {
  it("gives every consumer the same gateway, acting in the service's account, with its calls in the service's /metrics", async () => {
    const app = await Test.createTestingModule({ imports: [ServiceBasics, AwsModule] }).compile();
    const gateway = app.get(Ec2Gateway);
    expect(gateway.defaultAccount).toBe('222233334444');
    await gateway.call({ region: 'eu-west-1', action: 'DescribeImages' }, async () => []);
    expect(await app.get(MetricsService).render()).toMatch(
      /ami_ec2_calls_total\{action="DescribeImages",region="eu-west-1",outcome="ok"\} 1/,
    );
    await app.close();
  });
});
