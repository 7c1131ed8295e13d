import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createEnvelope } from './envelope/cloud-event.js';
import { familySpecJsonSchema, PUBLIC_TOPICS, topicJsonSchema } from './json-schemas.js';
import { AUDIT_RECORDED } from './events/audit-recorded/audit-recorded.event.js';
import { REBUILD_REQUESTED } from './events/rebuild-requested/rebuild-requested.event.js';
import { Topics } from './topics.js';

const published = (topic: string) =>
  JSON.parse(readFileSync(new URL(`../schemas/${topic}.schema.json`, import.meta.url), 'utf8'));

describe('published JSON Schemas of the public topics', () => {
  it.each(PUBLIC_TOPICS)(
    '%s matches the runtime schema (regenerate with npm run schemas)',
    (topic) => {
      expect(published(topic)).toEqual(topicJsonSchema(topic));
    },
  );

  it('family-spec.schema.json matches the runtime schema', () => {
    const file = JSON.parse(
      readFileSync(new URL('../schemas/family-spec.schema.json', import.meta.url), 'utf8'),
    );
    expect(file).toEqual(familySpecJsonSchema());
  });

  it('accepts a rebuild request any producer could write, and rejects one without a family', () => {
    const validate = new Ajv2020({ strict: false }).compile(published(Topics.RebuildRequests));
    const ok = createEnvelope(
      REBUILD_REQUESTED,
      { family: 'web-base', reason: 'CVE-2026-1', requestedBy: 'feed:cve' },
      { source: '/cve-feed' },
    );
    expect(validate(JSON.parse(JSON.stringify(ok)))).toBe(true);
    const bad = { ...ok, data: { reason: 'x', requestedBy: 'y' } };
    expect(validate(bad)).toBe(false);
  });

  it('describes audit events with actor, action, subject, before, after, outcome', () => {
    const validate = new Ajv2020({ strict: false }).compile(published(Topics.Audit));
    const ok = createEnvelope(
      AUDIT_RECORDED,
      {
        actor: 'ops@example.com',
        action: 'channel.promoted',
        subject: { family: 'web-base', version: '2026.11.27-1' },
        before: { channel: null },
        after: { channel: 'prod' },
        outcome: 'succeeded',
      },
      { source: '/ami/catalog' },
    );
    expect(validate(JSON.parse(JSON.stringify(ok)))).toBe(true);
    expect(validate({ ...ok, data: { ...ok.data, outcome: 'maybe' } })).toBe(false);
  });
});
