import { z } from 'zod';
import {
  EventCatalog,
  eventTypesOn,
  isEventType,
  PayloadOf,
  TopicPayloads,
} from './event-catalog.js';
import { ALL_TOPICS, Topics } from './topics.js';

describe('event catalog', () => {
  it('puts every event type on a declared topic, and every topic carries at least one type', () => {
    for (const entry of Object.values(EventCatalog)) expect(ALL_TOPICS).toContain(entry.topic);
    for (const topic of ALL_TOPICS) expect(eventTypesOn(topic).length).toBeGreaterThan(0);
    expect(isEventType('ami.rebuild.requested')).toBe(true);
    expect(isEventType('ami.rebuild.requested.v2')).toBe(false);
  });

  it('makes a wrong payload a compile error (checked by npm run typecheck, part of npm test)', () => {
    const ok: PayloadOf<'ami.rebuild.requested'> = {
      family: 'web-base',
      reason: 'r',
      requestedBy: 'ci',
    };
    // @ts-expect-error a rebuild request needs requestedBy
    const missing: PayloadOf<'ami.rebuild.requested'> = { family: 'web-base', reason: 'r' };
    const audit = {
      actor: 'a',
      action: 'b',
      subject: { family: 'f' },
      before: null,
      after: null,
      outcome: 'succeeded' as const,
    };
    // @ts-expect-error an audit payload is not what the rebuild-requests topic carries
    const wrongTopic: TopicPayloads[typeof Topics.RebuildRequests] = audit;
    expect(EventCatalog['ami.rebuild.requested'].schema.safeParse(ok).success).toBe(true);
    expect(
      (EventCatalog['ami.rebuild.requested'].schema as z.ZodType).safeParse(missing).success,
    ).toBe(false);
    expect(
      (EventCatalog['ami.rebuild.requested'].schema as z.ZodType).safeParse(wrongTopic).success,
    ).toBe(false);
  });
});
