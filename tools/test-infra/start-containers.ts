import { GenericContainer, Network, Wait, type StartedTestContainer } from 'testcontainers';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import type { ContainerDefinition, TestInfraDefinitions } from './test-containers.js';

export interface StartedInfra {
  host: string;
  stop(): Promise<void>;
}

function generic(def: ContainerDefinition, network: Awaited<ReturnType<Network['start']>>) {
  let c = new GenericContainer(def.image)
    .withNetwork(network)
    .withNetworkAliases(def.alias)
    .withEnvironment(def.env)
    .withExposedPorts(...def.ports);
  if (def.entrypoint) c = c.withEntrypoint(def.entrypoint);
  if (def.command) c = c.withCommand(def.command);
  if (def.mounts)
    c = c.withBindMounts(
      def.mounts.map((m) => ({ source: m.source, target: m.target, mode: 'ro' as const })),
    );
  return c;
}

/**
 * Starts PostgreSQL, Kafka (then its topics and ACLs), moto and the fidelity proxy, each
 * waited for until it answers. testcontainers' reaper removes them when this process ends.
 */
export async function startTestContainers(
  defs: TestInfraDefinitions,
  log: (line: string) => void,
): Promise<StartedInfra> {
  const network = await new Network().start();
  const started: StartedTestContainer[] = [];
  const pg = defs.postgres;
  const postgres = new PostgreSqlContainer(pg.image)
    .withNetwork(network)
    .withNetworkAliases(pg.alias)
    .withUsername(pg.env.POSTGRES_USER!)
    .withPassword(pg.env.POSTGRES_PASSWORD!)
    .withDatabase(pg.env.POSTGRES_DB!)
    .withExposedPorts(...pg.ports)
    .withCommand(pg.command!);
  const kafka = generic(defs.kafka, network).withWaitStrategy(
    Wait.forLogMessage(/Kafka Server started/),
  );
  const moto = generic(defs.moto, network).withWaitStrategy(
    Wait.forHttp('/moto-api/', defs.moto.ports[0]!.container),
  );
  const all = await Promise.all([postgres.start(), kafka.start(), moto.start()]);
  started.push(...all);
  log(`[test-infra] postgres, kafka and moto started`);
  const setup = await all[1].exec(defs.kafkaSetup.command, { env: defs.kafkaSetup.env });
  if (setup.exitCode !== 0) throw new Error(`Kafka topics and ACLs failed:\n${setup.output}`);
  log(`[test-infra] kafka: topics and ACLs from infra/kafka/bus.conf`);
  const proxy = await generic(defs.fidelityProxy, network)
    .withWaitStrategy(Wait.forHttp('/_fidelity/health', defs.fidelityProxy.ports[0]!.container))
    .start();
  started.push(proxy);
  log(`[test-infra] fidelity proxy started`);
  return {
    host: proxy.getHost(),
    async stop() {
      await Promise.all(started.map((c) => c.stop()));
      await network.stop();
    },
  };
}
