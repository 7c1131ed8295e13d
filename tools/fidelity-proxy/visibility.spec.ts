import { CommandOutcomes, validateCommandOutcome } from './ssm-commands.js';
import { NewResources } from './visibility.js';

const scope = { account: '123456789012', region: 'us-east-1' };

describe('new resources stay invisible for the configured delay', () => {
  it('hides an id until the delay has passed, per account, region and kind', () => {
    let now = 1000;
    const created = new NewResources(() => now);
    created.record(scope, 'instance', 'i-1');
    expect(created.isHidden(scope, 'instance', 'i-1', 500)).toBe(true);
    expect(created.isHidden({ ...scope, region: 'eu-west-1' }, 'instance', 'i-1', 500)).toBe(false);
    expect(created.isHidden(scope, 'image', 'i-1', 500)).toBe(false);
    now = 1500;
    expect(created.isHidden(scope, 'instance', 'i-1', 500)).toBe(false);
  });

  it('hides nothing when the delay is 0 (the default)', () => {
    const created = new NewResources(() => 0);
    created.record(scope, 'image', 'ami-1');
    expect(created.isHidden(scope, 'image', 'ami-1', 0)).toBe(false);
  });
});

describe('command outcome rules', () => {
  it('decide how a command whose text matches ends, with Failed and exit 1 by default', () => {
    const outcomes = new CommandOutcomes();
    outcomes.add({ match: 'curl localhost', stderr: 'refused' });
    outcomes.assign('cmd-1', '{"commands":["# check\\ncurl localhost"]}');
    outcomes.assign('cmd-2', '{"commands":["true"]}');
    expect(outcomes.of('cmd-1')).toMatchObject({
      status: 'Failed',
      responseCode: 1,
      stderr: 'refused',
    });
    expect(outcomes.of('cmd-2')).toBeUndefined();
  });

  it('refuse rules that SSM could not produce', () => {
    expect(() => validateCommandOutcome({ match: '' })).toThrow(/match/);
    expect(() => validateCommandOutcome({ match: 'x', status: 'Exploded' })).toThrow(/status/);
    expect(() => validateCommandOutcome({ match: 'x', responseCode: 1.5 })).toThrow(/responseCode/);
  });
});
