import { readFileSync } from 'node:fs';
import { deadLetterTopic, EventCatalog, EventType, Topics } from '@ami/contracts';
import {
  allGrants,
  BUS_SERVICES,
  renderBusConf,
  serviceGrants,
  SERVICE_BUS_RIGHTS,
  topicOwner,
} from './bus-principals.js';

describe('the bus principal table', () => {
  it('is what infra/kafka/bus.conf says (regenerate with npm run schemas)', () => {
    const file = readFileSync(new URL('../../../../infra/kafka/bus.conf', import.meta.url), 'utf8');
    expect(file).toBe(renderBusConf());
  });

  it('gives every fact topic exactly one owner, and commands and audit none', () => {
    const facts = Object.values(Topics).filter(
      (t) => t !== Topics.RebuildRequests && t !== Topics.Audit && t !== Topics.Diagnostics,
    );
    for (const topic of facts) {
      const owners = BUS_SERVICES.filter((s) =>
        (SERVICE_BUS_RIGHTS[s].publishes as string[]).includes(topic),
      );
      expect(owners, topic).toHaveLength(1);
    }
    expect(topicOwner(Topics.RebuildRequests)).toBeUndefined();
    expect(topicOwner(Topics.Audit)).toBeUndefined();
    expect(topicOwner(Topics.Builds)).toBe('builder');
  });

  it('lets a service write only its facts, the audit topic and the dead letters of what it reads', () => {
    const builder = serviceGrants('builder');
    expect(builder.write.sort()).toEqual(
      [
        Topics.Builds,
        Topics.Audit,
        ...SERVICE_BUS_RIGHTS.builder.consumes.map(deadLetterTopic),
      ].sort(),
    );
    expect(builder.write).not.toContain(Topics.RebuildRequests);
    expect(serviceGrants('catalog').write).toContain(Topics.RebuildRequests);
    expect(serviceGrants('maintenance-scanner').write).toContain(Topics.RebuildRequests);
    for (const s of BUS_SERVICES) expect(serviceGrants(s).groupPrefix).toBe(s);
  });

  it('lets the producer write rebuild requests only, and ops read only audit and dead letters', () => {
    const producer = allGrants().find((g) => g.principal === 'ami-producer')!;
    expect(producer).toEqual({
      principal: 'ami-producer',
      write: [Topics.RebuildRequests],
      read: [],
    });
    const ops = allGrants().find((g) => g.principal === 'ami-ops')!;
    expect(ops.write).toEqual([]);
    expect(ops.read.every((t) => t === Topics.Audit || t.endsWith('.dlq'))).toBe(true);
  });

  it('lets each service read every topic its event handlers need today', () => {
    // The handlers' event types (apps/*/src/**/*.message-controller.ts) and their topics.
    const handled: Record<string, EventType[]> = {
      catalog: [
        'ami.build.succeeded',
        'ami.copy.started',
        'ami.copy.succeeded',
        'ami.copy.failed',
        'ami.launch-permissions.applied',
        'ami.image.lifecycle-changed',
      ],
      builder: [
        'ami.rebuild.requested',
        'ami.family-spec.applied',
        'ami.channel.moved',
        'ami.copy.succeeded',
        'ami.version.imported',
      ],
    };
    for (const [service, types] of Object.entries(handled)) {
      const reads = serviceGrants(service as 'catalog').read;
      for (const type of types) expect(reads, type).toContain(EventCatalog[type].topic);
    }
  });
});
