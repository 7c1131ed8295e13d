/**
 * Which infrastructure `npm test` uses: the scripts' test stack (scripts/stack.sh infra:
 * PostgreSQL, Kafka and moto as processes, no Docker), or containers started with
 * testcontainers. Containers only where a Docker engine answers and no test stack is already
 * running (a running stack holds the ports and the other engineers' state: it is reused).
 * TEST_INFRA=scripts|containers overrides the choice.
 */
export type TestInfra = 'scripts' | 'containers';

export interface InfraFacts {
  /** TEST_INFRA, if set. */
  override?: string;
  /** `docker info` exited 0. */
  dockerAnswers: boolean;
  /** The test stack's PostgreSQL or Kafka port already answers. */
  stackRunning: boolean;
  /** Where the running stack was seen (for the log line), e.g. "postgres :56432". */
  stackSeenAt?: string;
}

export interface InfraChoice {
  infra: TestInfra;
  reason: string;
}

export class InfraChoiceError extends Error {}

export function chooseTestInfra(facts: InfraFacts): InfraChoice {
  const override = facts.override?.trim() || undefined;
  if (override !== undefined && override !== 'scripts' && override !== 'containers')
    throw new InfraChoiceError(`TEST_INFRA must be "scripts" or "containers", not "${override}"`);
  if (override === 'scripts') return { infra: 'scripts', reason: 'TEST_INFRA=scripts' };
  if (override === 'containers') {
    if (!facts.dockerAnswers)
      throw new InfraChoiceError(
        'TEST_INFRA=containers, but no Docker engine answers (docker info failed)',
      );
    if (facts.stackRunning)
      throw new InfraChoiceError(
        `TEST_INFRA=containers, but a test stack is running (${facts.stackSeenAt ?? 'its ports answer'}); stop it or pick other TEST_* ports`,
      );
    return { infra: 'containers', reason: 'TEST_INFRA=containers and a Docker engine answers' };
  }
  if (facts.stackRunning)
    return {
      infra: 'scripts',
      reason: `a test stack is already running (${facts.stackSeenAt ?? 'its ports answer'}): reusing it`,
    };
  if (facts.dockerAnswers)
    return { infra: 'containers', reason: 'a Docker engine answers and no test stack is running' };
  return { infra: 'scripts', reason: 'no Docker engine answers (docker info failed)' };
}

/** The one line the run starts with. */
export function describeChoice(choice: InfraChoice): string {
  const what =
    choice.infra === 'containers'
      ? 'testcontainers (PostgreSQL, Kafka, moto, fidelity proxy in containers)'
      : 'the scripts (scripts/stack.sh infra)';
  return `[test] infrastructure: ${what}, because ${choice.reason}`;
}
