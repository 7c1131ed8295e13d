import { Faults } from './faults.js';

const target = (action: string) => ({
  service: 'ec2',
  action,
  account: '123456789012',
  region: 'us-east-1',
});

describe('Faults', () => {
  it('hits the next N matching calls, then retires the rule', () => {
    const faults = new Faults();
    faults.add({ action: 'CreateImage', kind: 'internal-error', count: 2 });
    expect(faults.pick(target('DescribeImages'), 'before')).toBeUndefined();
    expect(faults.pick(target('CreateImage'), 'before')?.kind).toBe('internal-error');
    expect(faults.pick(target('CreateImage'), 'before')?.kind).toBe('internal-error');
    expect(faults.pick(target('CreateImage'), 'before')).toBeUndefined();
    expect(faults.list()).toEqual([]);
  });

  it('fires with the given probability', () => {
    const rolls = [0.1, 0.9, 0.2];
    const faults = new Faults(() => rolls.shift() ?? 1);
    faults.add({ action: '*', kind: 'unavailable', probability: 0.5 });
    expect([0, 1, 2].map(() => faults.pick(target('RunInstances'), 'before')?.kind)).toEqual([
      'unavailable',
      undefined,
      'unavailable',
    ]);
  });

  it('throttles a fraction of calls, before they reach moto only', () => {
    const rolls = [0.2, 0.5, 0.29];
    const faults = new Faults(() => rolls.shift() ?? 1);
    faults.add({ service: 'ec2', kind: 'throttled', probability: 0.3 });
    expect([0, 1, 2].map(() => faults.pick(target('CopyImage'), 'before')?.kind)).toEqual([
      'throttled',
      undefined,
      'throttled',
    ]);
    expect(faults.pick({ ...target('SendCommand'), service: 'ssm' }, 'before')).toBeUndefined();
    expect(() => faults.add({ kind: 'throttled', when: 'after' })).toThrow(/before the call/);
  });

  it('keeps before and after faults apart and adds up latency', () => {
    const faults = new Faults();
    faults.add({ action: 'CopyImage', kind: 'drop', when: 'after' });
    faults.add({ kind: 'latency', latencyMs: 20 });
    faults.add({ action: 'CopyImage', kind: 'latency', latencyMs: 30, count: 1 });
    expect(faults.pick(target('CopyImage'), 'before')).toBeUndefined();
    expect(faults.pick(target('CopyImage'), 'after')?.kind).toBe('drop');
    expect(faults.latencyFor(target('CopyImage'))).toBe(50);
    expect(faults.latencyFor(target('CopyImage'))).toBe(20);
  });

  it('refuses malformed rules with a reason', () => {
    const faults = new Faults();
    expect(() => faults.add({ kind: 'explode' } as never)).toThrow(/kind must be one of/);
    expect(() => faults.add({ kind: 'latency' })).toThrow(/latencyMs/);
    expect(() => faults.add({ kind: 'drop', probability: 2 })).toThrow(/probability/);
  });
});
