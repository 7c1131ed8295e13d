import { createEnvelope, REBUILD_REQUESTED, Topics } from '@ami/contracts';
import { decodeEvent } from './decode-event.js';
import { retryDelay } from './retry-policy.js';

const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const request = { family: 'web-base', reason: 'weekly', requestedBy: 'ops' };

describe('decodeEvent', () => {
  it('accepts a valid rebuild request on its topic', () => {
    const event = createEnvelope(REBUILD_REQUESTED, request, { source: '/ci' });
    const decoded = decodeEvent(Topics.RebuildRequests, bytes(event), 10_000);
    expect(decoded).toEqual({ ok: true, event: JSON.parse(JSON.stringify(event)) });
  });

  it.each([
    ['an empty value', null, 'malformed-json', /empty/],
    ['broken JSON', '{"a":', 'malformed-json', /not JSON/],
    ['a non-CloudEvent', { a: 1 }, 'invalid-envelope', /specversion/],
    [
      'an unknown type',
      createEnvelope('ami.unheard.of', {}, { source: '/x' }),
      'unknown-event-type',
      /ami\.unheard\.of/,
    ],
    [
      'a bad payload',
      createEnvelope(REBUILD_REQUESTED, { ...request, reason: '' }, { source: '/x' }),
      'invalid-payload',
      /reason:/,
    ],
    [
      'an extra payload field',
      createEnvelope(REBUILD_REQUESTED, { ...request, colour: 'red' }, { source: '/x' }),
      'invalid-payload',
      /colour/,
    ],
  ])('rejects %s with a reason', (_, value, kind, reason) => {
    const decoded = decodeEvent(
      Topics.RebuildRequests,
      value === null ? null : bytes(value),
      10_000,
    );
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.kind).toBe(kind);
      expect(decoded.reason).toMatch(reason);
    }
  });

  it('rejects an event on the wrong topic', () => {
    const event = createEnvelope(REBUILD_REQUESTED, request, { source: '/ci' });
    const decoded = decodeEvent(Topics.Audit, bytes(event), 10_000);
    expect(decoded).toMatchObject({
      ok: false,
      kind: 'unknown-event-type',
      reason: expect.stringContaining('belongs on ami.rebuild-requests.v1'),
    });
  });

  it('rejects an oversized message before parsing it', () => {
    const decoded = decodeEvent(Topics.RebuildRequests, Buffer.alloc(2048, 'x'), 1024);
    expect(decoded).toMatchObject({
      ok: false,
      kind: 'oversized',
      reason: 'message is 2048 bytes, over the 1024-byte limit',
    });
  });
});

describe('retryDelay', () => {
  const policy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000 };
  it('grows exponentially with jitter in [ceiling/2, ceiling], capped', () => {
    expect(retryDelay(policy, 1, () => 0)).toBe(50);
    expect(retryDelay(policy, 1, () => 1)).toBe(100);
    expect(retryDelay(policy, 3, () => 1)).toBe(400);
    expect(retryDelay(policy, 10, () => 1)).toBe(1000);
    expect(retryDelay(policy, 10, () => 0)).toBe(500);
  });
});
