import { planFaults, REPLICAS, seededRandom, SERVICES, type Fault } from './schedule.js';

const options = {
  seed: 7,
  windowMs: 75_000,
  killsPerService: 1,
  sessionTimeoutMs: 30_000,
  throttleForMs: 60_000,
  throttleFraction: 0.3,
  poisonRounds: 2,
};

describe('the fault plan', () => {
  it('is the same for the same seed, and another for another seed', () => {
    expect(planFaults(options)).toEqual(planFaults(options));
    expect(planFaults({ ...options, seed: 8 })).not.toEqual(planFaults(options));
  });

  it('kills every service, pauses one replica past the session timeout, restarts Kafka and PostgreSQL, throttles and poisons', () => {
    for (const seed of [1, 2, 3, 42, 4242]) {
      const plan = planFaults({ ...options, seed, killsPerService: 2, windowMs: 240_000 });
      const kills = plan.filter((f) => f.kind === 'kill');
      expect(kills.map((k) => k.service).sort()).toEqual([...SERVICES, ...SERVICES].sort());
      for (const k of kills) expect(k.replica).toBeLessThan(REPLICAS);
      const pauses = plan.filter((f) => f.kind === 'pause');
      expect(pauses).toHaveLength(1);
      expect(pauses[0].forMs).toBeGreaterThan(options.sessionTimeoutMs);
      expect(plan.filter((f) => f.kind === 'restart-kafka')).toHaveLength(1);
      expect(plan.filter((f) => f.kind === 'restart-postgres')).toHaveLength(1);
      expect(plan.filter((f) => f.kind === 'poison')).toHaveLength(2);
      const throttle = plan.find((f) => f.kind === 'ec2-throttle');
      expect(throttle).toMatchObject({ fraction: 0.3, forMs: 60_000 });
      // sorted, and within the window
      expect(plan.map((f) => f.at)).toEqual(plan.map((f) => f.at).sort((a, b) => a - b));
      for (const f of plan) expect(f.at).toBeLessThanOrEqual(240_000);
    }
  });

  it('never takes both replicas of a service away at once', () => {
    for (let seed = 0; seed < 200; seed++) {
      const plan = planFaults({ ...options, seed, killsPerService: 2, windowMs: 240_000 });
      const away = plan
        .filter((f): f is Extract<Fault, { kind: 'kill' | 'pause' }> =>
          ['kill', 'pause'].includes(f.kind),
        )
        .map((f) => ({
          service: f.service,
          from: f.at,
          to: f.at + (f.kind === 'kill' ? f.downMs : f.forMs),
        }));
      for (const a of away)
        for (const b of away)
          if (a !== b && a.service === b.service)
            expect(a.to <= b.from || b.to <= a.from, `seed ${seed}: ${a.service}`).toBe(true);
    }
  });

  it('draws numbers in [0, 1) from a seed', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(draws).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
  });
});
