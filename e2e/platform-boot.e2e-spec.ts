import { ServiceProcess, startServiceProcess, testEnv, uniqueName, waitReady } from '@ami/testing';

const SERVICES = ['catalog', 'builder', 'replicator', 'permissions', 'maintenance-scanner'];

describe('the five services and the console boot as processes against the real infrastructure', () => {
  const running: ServiceProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
  });

  it('each serves liveness, readiness (database and broker up) and Prometheus metrics', async () => {
    running.push(...(await Promise.all(SERVICES.map((name) => startServiceProcess(name)))));
    await Promise.all(running.map((s) => waitReady(s)));
    for (const service of running) {
      const ready = await (await fetch(`${service.url}/health/ready`)).json();
      expect(ready).toMatchObject({
        status: 'ok',
        checks: { database: { status: 'up' }, kafka: { status: 'up' } },
      });
      expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
      const metrics = await fetch(`${service.url}/metrics`);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(await metrics.text()).toMatch(/^# HELP process_cpu_user_seconds_total/m);
    }
  });

  it('the console serves liveness, readiness (its audit feed joined the bus as ami-ops) and metrics', async () => {
    const consoleApp = await startServiceProcess('console', {
      KAFKA_SASL_USERNAME: 'ami-ops',
      KAFKA_SASL_PASSWORD: testEnv().kafkaPassword('ami-ops'),
      KAFKA_GROUP_ID: uniqueName('ami-ops-console-boot'),
    });
    running.push(consoleApp);
    await waitReady(consoleApp);
    const ready = await (await fetch(`${consoleApp.url}/health/ready`)).json();
    expect(ready).toEqual({
      status: 'ok',
      checks: { kafka: expect.objectContaining({ status: 'up' }) },
    });
    expect((await fetch(`${consoleApp.url}/health/live`)).status).toBe(200);
    expect(await (await fetch(`${consoleApp.url}/metrics`)).text()).toMatch(
      /^# HELP ami_console_audit_clients/m,
    );
  });

  it('refuses to start with a bad configuration, naming each variable', async () => {
    const service = await startServiceProcess('catalog', {
      DB_PASSWORD: '',
      HTTP_PORT: 'eighty',
      KAFKA_BROKERS: undefined,
    });
    const code = await new Promise<number | null>((resolve) => service.child.once('exit', resolve));
    expect(code).toBe(1);
    expect(service.output()).toContain('DB_PASSWORD: is required but not set');
    expect(service.output()).toMatch(/HTTP_PORT: .*number/i);
    expect(service.output()).not.toContain('local-dev');
  });
});
