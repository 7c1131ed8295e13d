import { chooseTestInfra, describeChoice, InfraChoiceError } from './infra-choice.js';

describe('which infrastructure npm test uses', () => {
  it('starts containers when Docker answers and no test stack is running', () => {
    expect(chooseTestInfra({ dockerAnswers: true, stackRunning: false }).infra).toBe('containers');
  });

  it('uses the scripts when no Docker engine answers', () => {
    const choice = chooseTestInfra({ dockerAnswers: false, stackRunning: false });
    expect(choice).toEqual({
      infra: 'scripts',
      reason: 'no Docker engine answers (docker info failed)',
    });
  });

  it('reuses a running test stack even where Docker answers, saying where it was seen', () => {
    for (const dockerAnswers of [true, false]) {
      const choice = chooseTestInfra({
        dockerAnswers,
        stackRunning: true,
        stackSeenAt: 'postgres :56432',
      });
      expect(choice.infra).toBe('scripts');
      expect(choice.reason).toContain('postgres :56432');
    }
  });

  it('TEST_INFRA=scripts wins over a Docker engine', () => {
    expect(
      chooseTestInfra({ override: 'scripts', dockerAnswers: true, stackRunning: false }),
    ).toEqual({
      infra: 'scripts',
      reason: 'TEST_INFRA=scripts',
    });
  });

  it('TEST_INFRA=containers is refused without Docker or beside a running stack, never silently ignored', () => {
    expect(
      chooseTestInfra({ override: 'containers', dockerAnswers: true, stackRunning: false }).infra,
    ).toBe('containers');
    expect(() =>
      chooseTestInfra({ override: 'containers', dockerAnswers: false, stackRunning: false }),
    ).toThrow(/no Docker engine answers/);
    expect(() =>
      chooseTestInfra({ override: 'containers', dockerAnswers: true, stackRunning: true }),
    ).toThrow(InfraChoiceError);
  });

  it('refuses an unknown TEST_INFRA and treats an empty one as unset', () => {
    expect(() =>
      chooseTestInfra({ override: 'docker', dockerAnswers: true, stackRunning: false }),
    ).toThrow(/"scripts" or "containers"/);
    expect(
      chooseTestInfra({ override: ' ', dockerAnswers: false, stackRunning: false }).infra,
    ).toBe('scripts');
  });

  it('logs one line naming the choice and why', () => {
    const line = describeChoice(chooseTestInfra({ dockerAnswers: false, stackRunning: false }));
    expect(line).toBe(
      '[test] infrastructure: the scripts (scripts/stack.sh infra), because no Docker engine answers (docker info failed)',
    );
    expect(line.split('\n')).toHaveLength(1);
  });
});
