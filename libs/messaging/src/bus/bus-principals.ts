import { deadLetterTopic, Topic, Topics } from '@ami/contracts';

/**
 * THE table of who may do what on the bus. The local stack, docker-compose and the tests all
 * read it (the first two through its rendering, infra/kafka/acls.conf, which `npm run schemas`
 * regenerates and a unit test keeps in step). Kafka runs with allow.everyone.if.no.acl.found
 * =false: what is not granted here is refused.
 *
 * - A service writes only its own fact topics, the audit topic and the dead-letter topics of
 *   what it consumes; the catalog and the maintenance-scanner also write rebuild requests.
 * - A service reads only what it consumes, in consumer groups named after it.
 * - ami-producer (CI pipelines, CVE feeds) may only write rebuild requests; ami-ops may only
 *   read the audit topic and the dead-letter topics.
 * - ami-admin is the super user: topic creation, ACLs, tests, benchmarks, dlq:replay.
 */
export const BUS_SERVICES = [
  'catalog',
  'builder',
  'replicator',
  'permissions',
  'maintenance-scanner',
] as const;
export type BusService = (typeof BUS_SERVICES)[number];

export interface ServiceBusRights {
  /** Fact topics this service owns: only it writes them, and only with its own source. */
  publishes: Topic[];
  /** Topics it reads (in its own consumer groups). */
  consumes: Topic[];
  /** May it write ami.rebuild-requests.v1? */
  requestsRebuilds: boolean;
}

const FACT_TOPICS: Topic[] = [
  Topics.FamilySpecs,
  Topics.CatalogVersions,
  Topics.Builds,
  Topics.Copies,
  Topics.LaunchPermissions,
  Topics.Lifecycle,
];

export const SERVICE_BUS_RIGHTS: Record<BusService, ServiceBusRights> = {
  catalog: {
    publishes: [Topics.FamilySpecs, Topics.CatalogVersions],
    consumes: [Topics.Builds, Topics.Copies, Topics.LaunchPermissions, Topics.Lifecycle],
    requestsRebuilds: true,
  },
  builder: {
    publishes: [Topics.Builds],
    consumes: [Topics.RebuildRequests, Topics.FamilySpecs, Topics.CatalogVersions, Topics.Copies],
    requestsRebuilds: false,
  },
  replicator: {
    publishes: [Topics.Copies],
    consumes: [Topics.Builds, Topics.FamilySpecs, Topics.CatalogVersions],
    requestsRebuilds: false,
  },
  permissions: {
    publishes: [Topics.LaunchPermissions],
    // Lifecycle: a deprecated or disabled version is not newly shared.
    consumes: [
      Topics.Copies,
      Topics.Builds,
      Topics.FamilySpecs,
      Topics.CatalogVersions,
      Topics.Lifecycle,
    ],
    requestsRebuilds: false,
  },
  'maintenance-scanner': {
    publishes: [Topics.Lifecycle],
    consumes: FACT_TOPICS,
    requestsRebuilds: true,
  },
};

/** The Kafka user (SCRAM principal) of a service: ami-<service>. */
export function busPrincipalOf(service: BusService): string {
  return `ami-${service}`;
}

/** The CloudEvents source a service's events carry (EventPublisher sets it). */
export function eventSourceOf(service: string): string {
  return `/ami/${service}`;
}

/** The super user that creates topics and ACLs; tests and benchmarks use it too. */
export const ADMIN_PRINCIPAL = 'ami-admin';
export const PRODUCER_PRINCIPAL = 'ami-producer';
export const OPS_PRINCIPAL = 'ami-ops';

/** Topics whose every event must come from their owner (the second guard, after the ACLs). */
export function topicOwner(topic: string): BusService | undefined {
  return BUS_SERVICES.find((s) => (SERVICE_BUS_RIGHTS[s].publishes as string[]).includes(topic));
}

/** Topic names one principal may write or read, and the consumer-group prefix it may use. */
export interface PrincipalGrants {
  principal: string;
  write: string[];
  read: string[];
  /** Consumer groups whose names start with this; none for a principal that never reads. */
  groupPrefix?: string;
}

const dlqsOf = (topics: string[]) => topics.map(deadLetterTopic);
const unique = (values: string[]) => [...new Set(values)];

export function serviceGrants(service: BusService): PrincipalGrants {
  const rights = SERVICE_BUS_RIGHTS[service];
  return {
    principal: busPrincipalOf(service),
    write: unique([
      ...rights.publishes,
      Topics.Audit,
      ...(rights.requestsRebuilds ? [Topics.RebuildRequests] : []),
      ...dlqsOf(rights.consumes),
    ]),
    read: [...rights.consumes],
    groupPrefix: rights.consumes.length > 0 ? service : undefined,
  };
}

/** Every topic of the platform that has a dead-letter topic. */
const DEAD_LETTER_TOPICS = dlqsOf(Object.values(Topics));

/** Everyone but the super user, in a fixed order. */
export function allGrants(): PrincipalGrants[] {
  return [
    ...BUS_SERVICES.map(serviceGrants),
    { principal: PRODUCER_PRINCIPAL, write: [Topics.RebuildRequests], read: [] },
    {
      principal: OPS_PRINCIPAL,
      write: [],
      read: [Topics.Audit, ...DEAD_LETTER_TOPICS],
      groupPrefix: OPS_PRINCIPAL,
    },
  ];
}

/** Every user the broker knows: the grants' principals and the super user. */
export function allPrincipals(): string[] {
  return [ADMIN_PRINCIPAL, ...allGrants().map((g) => g.principal)];
}

/**
 * The environment variable holding a principal's password in the local stack and compose,
 * e.g. KAFKA_MAINTENANCE_SCANNER_PASSWORD, KAFKA_PRODUCER_PASSWORD, KAFKA_ADMIN_PASSWORD.
 * A running service gets its own as KAFKA_SASL_PASSWORD.
 */
export function principalPasswordVariable(principal: string): string {
  return `KAFKA_${principal.replace(/^ami-/, '').replace(/-/g, '_').toUpperCase()}_PASSWORD`;
}

/** Topics the bus setup creates: every topic and every dead-letter topic. */
export function allBusTopics(): string[] {
  return [...Object.values(Topics), ...DEAD_LETTER_TOPICS];
}

/**
 * infra/kafka/bus.conf: the table above for shell scripts that cannot read TypeScript (the
 * local stack and docker-compose). Lines: `users <name>...`, `topics <name>...`, and
 * `acl <principal> <operations> <resource-type> <pattern-type> <name>...` (one kafka-acls --add each).
 */
export function renderBusConf(): string {
  const lines = [
    '# Generated from libs/messaging/src/bus/bus-principals.ts by `npm run schemas`; do not edit.',
    `users ${allPrincipals().join(' ')}`,
    `topics ${allBusTopics().join(' ')}`,
  ];
  for (const g of allGrants()) {
    if (g.write.length)
      lines.push(`acl ${g.principal} Write,Describe topic literal ${g.write.join(' ')}`);
    if (g.read.length)
      lines.push(`acl ${g.principal} Read,Describe topic literal ${g.read.join(' ')}`);
    if (g.groupPrefix)
      lines.push(`acl ${g.principal} Read,Describe group prefixed ${g.groupPrefix}`);
  }
  return `${lines.join('\n')}\n`;
}
