import zlib from 'node:zlib';
import { describe, it, expect } from 'vitest';
import {
  decodeStoreBody,
  eventEnvelopeFromJson,
  isLegacyPythonClient,
  repairPythonJson,
} from './store-body.js';
import { parseEventId } from './event-id.js';

describe('decodeStoreBody', () => {
  const json = Buffer.from('{"message":"hi"}');

  it('passes JSON through, also after leading whitespace', () => {
    expect(decodeStoreBody(json, 1000)).toEqual({ ok: true, body: json });
    const padded = Buffer.from('\n  {"message":"hi"}');
    expect(decodeStoreBody(padded, 1000)).toEqual({ ok: true, body: padded });
  });

  it('decodes base64 JSON and base64 zlib JSON', () => {
    expect(decodeStoreBody(Buffer.from(json.toString('base64')), 1000)).toEqual({ ok: true, body: json });
    const packed = Buffer.from(zlib.deflateSync(json).toString('base64') + '\n');
    expect(decodeStoreBody(packed, 1000)).toEqual({ ok: true, body: json });
  });

  it('caps inflation at the limit', () => {
    const bomb = Buffer.from(zlib.deflateSync(Buffer.alloc(10 * 1024 * 1024)).toString('base64'));
    expect(decodeStoreBody(bomb, 1024 * 1024)).toEqual({ ok: false, error: { kind: 'payload_too_large' } });
  });

  it('rejects data that is neither JSON, base64 nor zlib', () => {
    expect(decodeStoreBody(Buffer.from('not base64!'), 1000)).toEqual({
      ok: false,
      error: { kind: 'invalid_body', cause: 'invalid base64 data' },
    });
    const notZlib = decodeStoreBody(Buffer.from(Buffer.from('plain text').toString('base64')), 1000);
    expect(!notZlib.ok && notZlib.error.kind).toBe('invalid_body');
  });
});

describe('repairPythonJson', () => {
  it('replaces NaN and Infinity outside strings, keeping the length', () => {
    const input = Buffer.from('{"a":NaN,"b":Infinity,"c":-Infinity,"d":[NaN],"s":"NaN Infinity \\" NaN"}');
    const repaired = repairPythonJson(input);
    expect(repaired.length).toBe(input.length);
    expect(JSON.parse(repaired.toString())).toEqual({ a: 0, b: 0, c: -0, d: [0], s: 'NaN Infinity " NaN' });
    expect(input.toString()).toContain('NaN,'); // the input is not modified
  });

  it('recognises python clients', () => {
    expect(isLegacyPythonClient('sentry-python/1.2.3')).toBe(true);
    expect(isLegacyPythonClient('raven-python/6.0')).toBe(true);
    expect(isLegacyPythonClient('sentry.python/2.0')).toBe(false);
    expect(isLegacyPythonClient(undefined)).toBe(false);
  });
});

describe('eventEnvelopeFromJson', () => {
  it('wraps an event, keeping its id in canonical form', () => {
    const body = Buffer.from('{"event_id":"9EC79C33-EC99-42AB-8353-589FCB2E04DC","message":"hi"}');
    const result = eventEnvelopeFromJson(body);
    expect(result.ok && result.eventId).toBe('9ec79c33ec9942ab8353589fcb2e04dc');
    expect(result.ok && result.envelope.headers.event_id).toBe('9ec79c33ec9942ab8353589fcb2e04dc');
    expect(result.ok && result.envelope.items[0]?.headers).toEqual({
      type: 'event',
      length: body.length,
      content_type: 'application/json',
    });
    expect(result.ok && result.envelope.items[0]?.payload).toBe(body);
  });

  it('makes transactions transaction items and generates missing ids', () => {
    const result = eventEnvelopeFromJson(Buffer.from('{"type":"transaction","event_id":null}'));
    expect(result.ok && result.envelope.items[0]?.headers.type).toBe('transaction');
    expect(result.ok && result.eventId).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each(['{"message":', '[1,2]', '"text"', '{"event_id":"nope"}', '{"event_id":42}'])(
    'rejects %s',
    (text) => {
      const result = eventEnvelopeFromJson(Buffer.from(text));
      expect(!result.ok && result.error.kind).toBe('invalid_json');
    },
  );
});

describe('parseEventId', () => {
  it.each([
    ['9ec79c33ec9942ab8353589fcb2e04dc', '9ec79c33ec9942ab8353589fcb2e04dc'],
    ['9ec79c33-ec99-42ab-8353-589fcb2e04dc', '9ec79c33ec9942ab8353589fcb2e04dc'],
    ['{9ec79c33-ec99-42ab-8353-589fcb2e04dc}', '9ec79c33ec9942ab8353589fcb2e04dc'],
    ['urn:uuid:9ec79c33-ec99-42ab-8353-589fcb2e04dc', '9ec79c33ec9942ab8353589fcb2e04dc'],
    ['9ec79c33ec9942ab8353589fcb2e04d', undefined],
    ['9ec79c33-ec9942ab-8353-589fcb2e04dc', undefined],
    [42, undefined],
  ])('%j → %j', (input, expected) => {
    expect(parseEventId(input)).toBe(expected);
  });
});
