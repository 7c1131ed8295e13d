import { CloudEvent as SdkEvent, Kafka as SdkKafka } from 'cloudevents';
import { BUILD_SUCCEEDED, createEnvelope, REBUILD_REQUESTED, Topics } from '@ami/contracts';
import { decodeEvent } from './decode-event.js';
import { retryDelay } from './retry-policy.js';

const bytes = (v: unknown) => ({
  value: Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)),
});
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
      value === null ? { value: null } : bytes(value),
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
    const decoded = decodeEvent(Topics.RebuildRequests, { value: Buffer.alloc(2048, 'x') }, 1024);
    expect(decoded).toMatchObject({
      ok: false,
      kind: 'oversized',
      reason: 'message is 2048 bytes, over the 1024-byte limit',
    });
  });
});

describe('decodeEvent: any valid CloudEvents 1.0 message', () => {
  const minimal = { specversion: '1.0', id: 'r-1', source: '/ci/job-7', type: REBUILD_REQUESTED };

  it('accepts structured mode with only the required attributes; correlationid defaults to id', () => {
    const decoded = decodeEvent(
      Topics.RebuildRequests,
      bytes({ ...minimal, data: request }),
      10_000,
    );
    expect(decoded).toEqual({
      ok: true,
      event: { ...minimal, correlationid: 'r-1', data: request },
    });
  });

  it('accepts binary mode: ce_* headers, the value is the data', () => {
    const decoded = decodeEvent(
      Topics.RebuildRequests,
      {
        value: Buffer.from(JSON.stringify(request)),
        headers: {
          ce_specversion: Buffer.from('1.0'),
          ce_id: Buffer.from('r-2'),
          ce_source: Buffer.from('/ci/job-8'),
          ce_type: Buffer.from(REBUILD_REQUESTED),
          ce_correlationid: Buffer.from('chain-1'),
          'content-type': Buffer.from('application/json'),
        },
      },
      10_000,
    );
    expect(decoded).toEqual({
      ok: true,
      event: {
        specversion: '1.0',
        id: 'r-2',
        source: '/ci/job-8',
        type: REBUILD_REQUESTED,
        datacontenttype: 'application/json',
        correlationid: 'chain-1',
        data: request,
      },
    });
  });

  it('dead-letters binary mode without the required attributes, and data that is not JSON', () => {
    const headers = { ce_specversion: '1.0', ce_type: REBUILD_REQUESTED };
    expect(
      decodeEvent(Topics.RebuildRequests, { value: Buffer.from('{}'), headers }, 10_000),
    ).toMatchObject({
      ok: false,
      kind: 'invalid-envelope',
      reason: expect.stringMatching(/id:.*source:/),
    });
    expect(
      decodeEvent(
        Topics.RebuildRequests,
        { value: Buffer.from('<xml/>'), headers: { ...headers, 'content-type': 'text/xml' } },
        10_000,
      ),
    ).toMatchObject({ ok: false, kind: 'malformed-json' });
  });

  it('refuses a content type that is not JSON', () => {
    const decoded = decodeEvent(
      Topics.RebuildRequests,
      bytes({ ...minimal, datacontenttype: 'text/plain', data: request }),
      10_000,
    );
    expect(decoded).toMatchObject({
      ok: false,
      kind: 'invalid-envelope',
      reason: /datacontenttype/,
    });
  });
});

describe('decodeEvent: the source guard and the tolerant reader', () => {
  const succeeded = {
    buildId: '00000000-0000-4000-8000-000000000001',
    family: 'web-base',
    version: '2026.11.27-1',
  };

  it('dead-letters a fact whose source is not the service owning the topic', () => {
    const spoof = createEnvelope(BUILD_SUCCEEDED, succeeded, { source: '/ci/evil' });
    expect(decodeEvent(Topics.Builds, bytes(spoof), 10_000)).toEqual({
      ok: false,
      kind: 'wrong-source',
      reason: 'source "/ci/evil" may not publish on ami.builder.builds.v1: only /ami/builder does',
    });
  });

  it('takes commands from any source', () => {
    const event = createEnvelope(REBUILD_REQUESTED, request, { source: '/cve-feed' });
    expect(decodeEvent(Topics.RebuildRequests, bytes(event), 10_000).ok).toBe(true);
  });

  it('skips an event type it does not know (a newer producer), instead of dead-lettering it', () => {
    const newer = createEnvelope(
      'ami.build.paused',
      { family: 'web-base' },
      { source: '/ami/builder' },
    );
    expect(decodeEvent(Topics.Builds, bytes(newer), 10_000)).toEqual({
      ok: 'skip',
      type: 'ami.build.paused',
    });
  });

  it('still dead-letters a known type with a bad payload', () => {
    const bad = createEnvelope(
      BUILD_SUCCEEDED,
      { ...succeeded, version: 'latest' },
      { source: '/ami/builder' },
    );
    expect(decodeEvent(Topics.Builds, bytes(bad), 10_000)).toMatchObject({
      ok: false,
      kind: 'invalid-payload',
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

describe('decodeEvent: messages made by the cloudevents SDK Kafka binding', () => {
  const data = { family: 'web-base', reason: 'weekly', requestedBy: 'ops' };
  const toKafka = (m: { value: unknown; headers: Record<string, unknown> }) => ({
    value: Buffer.from(typeof m.value === 'string' ? m.value : JSON.stringify(m.value)),
    // The SDK leaves an absent content-type as an undefined header: not sent.
    headers: Object.fromEntries(
      Object.entries(m.headers)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    ),
  });
  it.each(['structured', 'binary'] as const)('decodes %s mode', (mode) => {
    const event = new SdkEvent({ id: 'sdk-1', source: '/ci', type: REBUILD_REQUESTED, data });
    const message = mode === 'binary' ? SdkKafka.binary(event) : SdkKafka.structured(event);
    const decoded = decodeEvent(Topics.RebuildRequests, toKafka(message as any), 10_000);
    expect(decoded).toMatchObject({
      ok: true,
      event: { id: 'sdk-1', correlationid: 'sdk-1', data },
    });
  });
});
