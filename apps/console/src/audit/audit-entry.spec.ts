import type { KafkaMessage } from 'kafkajs';
import { auditEntryOf, matches } from './audit-entry.js';

const data = {
  actor: 'alice',
  action: 'channel.promoted',
  subject: { family: 'web-base', version: '2026.12.04-1' },
  before: null,
  after: { version: '2026.12.04-1' },
  outcome: 'succeeded',
};
const message = (value: unknown, headers: KafkaMessage['headers'] = {}) =>
  ({ value: Buffer.from(JSON.stringify(value)), headers, offset: '7' }) as unknown as KafkaMessage;

describe('audit entries from ami.audit.v1', () => {
  it('reads a structured CloudEvent and a binary-mode one alike', () => {
    const structured = auditEntryOf(
      message({ id: 'e1', source: '/ami/catalog', time: '2026-12-04T10:00:00Z', data }),
      2,
    );
    const binary = auditEntryOf(
      message(data, { ce_id: 'e1', ce_source: '/ami/catalog', ce_type: 'ami.audit.recorded' }),
      2,
    );
    expect(structured).toMatchObject({ id: 'e1', family: 'web-base', partition: 2, offset: '7' });
    expect(binary).toMatchObject({ id: 'e1', family: 'web-base', action: 'channel.promoted' });
  });

  it('skips what is not an audit entry', () => {
    expect(auditEntryOf(message({ id: 'e2', data: { hello: 1 } }), 0)).toBeUndefined();
    expect(
      auditEntryOf({ value: Buffer.from('not json'), offset: '1' } as KafkaMessage, 0),
    ).toBeUndefined();
  });

  it('filters by family and by action, exactly or by a prefix ending in *', () => {
    const entry = auditEntryOf(message({ id: 'e1', source: '/ami/catalog', data }), 0)!;
    expect(matches(entry, {})).toBe(true);
    expect(matches(entry, { family: 'web-base', action: 'channel.*' })).toBe(true);
    expect(matches(entry, { action: 'channel.promoted' })).toBe(true);
    expect(matches(entry, { action: 'channel' })).toBe(false);
    expect(matches(entry, { family: 'db-base' })).toBe(false);
  });
});
