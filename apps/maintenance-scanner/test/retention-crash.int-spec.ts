import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Client } from 'pg';
import { mintToken } from '@ami/auth';
import {
  eventually,
  FidelityForTest,
  LOCAL_AUTH_SECRET,
  ServiceProcess,
  startFidelityForTest,
  startServiceProcess,
  uniqueName,
  waitReady,
} from '@ami/testing';
import { facts, scannerDb, type Facts } from './scanner-harness.js';
import {
  describeImage,
  ec2Clients,
  makeVersion,
  REGIONS,
  retentionSpec,
  snapshotExists,
  versionsLearnt,
  type TestVersion,
} from './retention-support.js';

/**
 * The scanner is SIGKILLed while it executes a retention plan (each deregistration slowed
 * down), and started again. The new process goes on where the old one stopped: every action
 * ends done, those done before the kill are not done again, and EC2 saw exactly one
 * successful DeregisterImage and DeleteSnapshot per copy.
 */
describe('retention: the scanner killed mid-run', () => {
  let fidelity: FidelityForTest;
  let publish: Facts;
  let db: Client;
  let ec2: Record<string, EC2Client>;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    fidelity = await startFidelityForTest({ throttle: true });
    publish = await facts();
    db = await scannerDb();
    ec2 = ec2Clients({ fidelity });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    for (const client of Object.values(ec2 ?? {})) client.destroy();
    await publish?.close();
    await db?.end();
    await fidelity?.close();
  });

  const scanner = async () => {
    const s = await startServiceProcess('maintenance-scanner', {
      AWS_ENDPOINT_URL: fidelity.url,
      RETENTION_WORKER_INTERVAL_MS: '50',
      RETENTION_LEASE_MS: '1500',
      SCAN_WORKER_INTERVAL_MS: '200',
    });
    running.push(s);
    await waitReady(s);
    return s;
  };

  const call = async (
    s: ServiceProcess,
    method: string,
    path: string,
    role: 'operator' | 'admin',
  ) => {
    const token = await mintToken({
      subject: 'tester',
      roles: [role],
      secret: process.env.AUTH_JWT_SECRET ?? LOCAL_AUTH_SECRET,
      expiresIn: 600,
    });
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  const actions = async (planId: string) =>
    (
      await db.query(
        'SELECT seq, action, state, reason, done_at FROM maintenance_scanner.retention_actions WHERE plan_id = $1 ORDER BY seq',
        [planId],
      )
    ).rows;

  it('goes on where it stopped, repeating nothing that was done', async () => {
    const doomed = await scanner();
    const name = uniqueName('retire-crash');
    await publish.applySpec(
      retentionSpec(name, {
        keepLatest: 1,
        deprecateAfterDays: 0,
        retireAfterDays: 1,
        retentionMode: 'report-only',
      }),
    );
    await eventually(
      async () =>
        (await db.query('SELECT 1 FROM maintenance_scanner.families WHERE id = $1', [name]))
          .rowCount === 1,
      20_000,
      `spec of ${name}`,
    );
    const versions: TestVersion[] = [];
    for (const [i, age] of [60, 50, 40, 30, 20, 10].entries())
      versions.push(await makeVersion(ec2, publish, name, `2026.10.0${i + 1}-1`, age));
    await versionsLearnt(db, name, versions.length);
    const retired = versions.slice(0, 5);

    const plan = await call(
      doomed,
      'POST',
      `/v1/maintenance/families/${name}/retention/plans`,
      'operator',
    );
    expect(plan.status, JSON.stringify(plan.body)).toBe(201);
    expect(plan.body.summary).toMatchObject({ deregister: 10, deleteSnapshot: 10 });
    await fidelity.resetCounters();
    await fidelity.addFault({ action: 'DeregisterImage', kind: 'latency', latencyMs: 300 });
    const planId: string = plan.body.planId;
    expect(
      (await call(doomed, 'POST', `/v1/maintenance/retention/plans/${planId}/execute`, 'admin'))
        .status,
    ).toBe(202);

    await eventually(
      async () =>
        (await actions(planId)).filter((a) => a.action === 'deregister' && a.state === 'done')
          .length >= 3,
      30_000,
      'the first deregistrations',
    );
    doomed.child.kill('SIGKILL');
    running.splice(running.indexOf(doomed), 1);
    const atKill = (await actions(planId)).filter((a) => a.state === 'done');
    console.info(`scanner killed with ${atKill.length} of 20 actions done`);
    expect(atKill.length).toBeLessThan(20);

    await scanner();
    await eventually(
      async () =>
        (
          await db.query('SELECT state FROM maintenance_scanner.retention_plans WHERE id = $1', [
            planId,
          ])
        ).rows[0].state === 'done',
      60_000,
      'the plan finished by the new process',
    );
    const after = await actions(planId);
    expect(
      after.filter((a) => a.state !== 'done'),
      'every action done',
    ).toEqual([]);
    for (const before of atKill)
      expect(after.find((a) => a.seq === before.seq)!.done_at).toEqual(before.done_at);
    const counters = await fidelity.counters();
    expect(counters.actions['DeregisterImage']?.ok).toBe(10);
    expect(counters.actions['DeleteSnapshot']?.ok).toBe(10);
    for (const v of retired)
      for (const region of REGIONS) {
        expect(await describeImage(ec2[region]!, v.images[region]!)).toBeUndefined();
        expect(await snapshotExists(ec2[region]!, v.snapshots[region]!)).toBe(false);
      }
    for (const region of REGIONS)
      expect(await describeImage(ec2[region]!, versions[5]!.images[region]!)).toBeDefined();
  }, 180_000);
});
