import dns from 'node:dns';
import { assertLocalEndpoint, testEnv } from '../test-env.js';

/**
 * Loaded before every integration and end-to-end test file: points the AWS SDK at the local
 * EC2 emulator and makes any lookup of an AWS host fail loudly, so no test can reach AWS.
 */
const env = testEnv();
process.env.AWS_ENDPOINT_URL = env.awsEndpoint;
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_REGION ??= 'us-east-1';
assertLocalEndpoint(env.awsEndpoint);

const refuse = (hostname: string) => /(^|\.)amazonaws\.com(\.cn)?$|(^|\.)aws$/i.test(hostname);
const originalLookup = dns.lookup;
(dns as any).lookup = function guardedLookup(hostname: string, ...rest: any[]) {
  if (refuse(hostname)) throw new Error(`tests must not reach AWS: lookup of ${hostname} refused`);
  return (originalLookup as any).call(dns, hostname, ...rest);
};
const originalPromiseLookup = dns.promises.lookup;
(dns.promises as any).lookup = async (hostname: string, ...rest: any[]) => {
  if (refuse(hostname)) throw new Error(`tests must not reach AWS: lookup of ${hostname} refused`);
  return (originalPromiseLookup as any).call(dns.promises, hostname, ...rest);
};
