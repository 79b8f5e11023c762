import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Envelope, EnvelopeError, ItemHeaders, ParseResult } from './envelope.js';
import { parseEnvelope, parseEnvelopeHeaders, serializeEnvelope } from './envelope.js';
import type { JsonObject, JsonValue } from './json.js';

const KEY = 'e12d836b15bb49d7bbf99e64295d995b';
const DSN = `https://${KEY}@o0.ingest.example/42`;
const EVENT_ID = '9ec79c33ec9942ab8353589fcb2e04dc';
const HEADER = `{"event_id":"${EVENT_ID}","dsn":"${DSN}"}`;

const ERROR_KINDS: ReadonlySet<EnvelopeError['kind']> = new Set([
  'invalid_envelope_header',
  'invalid_item_header',
  'missing_item_type',
  'invalid_length',
  'unexpected_eof',
  'missing_newline',
  'trailing_data',
]);

function bytes(...parts: Array<string | number[]>): Buffer {
  return Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))),
  );
}

function parseOk(input: Uint8Array): Envelope {
  const result = parseEnvelope(input);
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.envelope;
}

function parseErr(input: Uint8Array): EnvelopeError {
  const result = parseEnvelope(input);
  if (result.ok) throw new Error('expected a parse error');
  return result.error;
}

function payloads(envelope: Envelope): string[] {
  return envelope.items.map((item) => item.payload.toString('latin1'));
}

describe('parseEnvelope: the reference example (relay-protocol.md §3.8)', () => {
  it('parses length-prefixed and newline-terminated items', () => {
    const input = bytes(
      `{"event_id":"${EVENT_ID}","dsn":"${DSN}","sent_at":"2024-08-01T12:00:00.000Z","sdk":{"name":"sentry.javascript.browser","version":"8.0.0"}}\n`,
      '{"type":"event","length":41}\n',
      '{"message":"hello","level":"error","x":1}\n',
      '{"type":"attachment","length":11,"filename":"hello.txt","content_type":"text/plain"}\n',
      'Hello\nWorld\n',
      '{"type":"session"}\n',
      '{"sid":"x","status":"ok"}\n',
    );
    const envelope = parseOk(input);
    expect(envelope.headers).toEqual({
      event_id: EVENT_ID,
      dsn: DSN,
      sent_at: '2024-08-01T12:00:00.000Z',
      sdk: { name: 'sentry.javascript.browser', version: '8.0.0' },
    });
    expect(envelope.items.map((item) => item.headers)).toEqual([
      { type: 'event', length: 41 },
      { type: 'attachment', length: 11, filename: 'hello.txt', content_type: 'text/plain' },
      { type: 'session' },
    ]);
    expect(payloads(envelope)).toEqual([
      '{"message":"hello","level":"error","x":1}',
      'Hello\nWorld',
      '{"sid":"x","status":"ok"}',
    ]);
  });
});

describe('parseEnvelope: valid shapes (Relay envelope/mod.rs tests)', () => {
  const cases: Array<{ name: string; input: Buffer; items: string[]; types?: string[] }> = [
    { name: 'header only, no newline', input: bytes(HEADER), items: [] },
    { name: 'header only, with newline', input: bytes(`${HEADER}\n`), items: [] },
    { name: 'empty header object', input: bytes('{}'), items: [] },
    {
      name: 'empty length-0 items with newlines',
      input: bytes(
        `${HEADER}\n`,
        '{"type":"attachment","length":0}\n',
        '\n',
        '{"type":"attachment","length":0}\n',
      ),
      items: ['', ''],
    },
    {
      name: 'empty length-0 item at EOF without newline',
      input: bytes(
        `${HEADER}\n`,
        '{"type":"attachment","length":0}\n',
        '\n',
        '{"type":"attachment","length":0}',
      ),
      items: ['', ''],
    },
    {
      name: 'implicit length, newline-terminated',
      input: bytes(`${HEADER}\n`, '{"type":"attachment"}\n', 'helloworld\n'),
      items: ['helloworld'],
    },
    {
      name: 'implicit length ending at EOF',
      input: bytes(`${HEADER}\n`, '{"type":"attachment"}\n', 'helloworld'),
      items: ['helloworld'],
    },
    {
      name: 'implicit empty payload: header at EOF',
      input: bytes(`${HEADER}\n`, '{"type":"attachment"}'),
      items: [''],
    },
    {
      name: 'implicit empty payload: header then newline',
      input: bytes(`${HEADER}\n`, '{"type":"session"}\n', '\n'),
      items: [''],
    },
    {
      name: 'length payload keeps BOM and \\r\\n',
      input: bytes(
        `${HEADER}\n`,
        '{"type":"attachment","length":10,"content_type":"text/plain","filename":"hello.txt"}\n',
        [0xef, 0xbb, 0xbf],
        'Hello\r\n\n',
        '{"type":"event","length":41,"content_type":"application/json","filename":"application.log"}\n',
        '{"message":"hello world","level":"error"}\n',
      ),
      items: ['\xef\xbb\xbfHello\r\n', '{"message":"hello world","level":"error"}'],
      types: ['attachment', 'event'],
    },
    {
      name: '\\r before \\n stays in a newline-terminated payload',
      input: bytes('{}\n', '{"type":"event"}\n', 'abc\r\n', '{"type":"session"}\n', 'x\r'),
      items: ['abc\r', 'x\r'],
    },
    {
      name: 'payload containing binary and newlines with length',
      input: bytes('{}\n', '{"type":"attachment","length":5}\n', [0x00, 0x0a, 0xff, 0x0d, 0x0a], '\n'),
      items: ['\x00\n\xff\r\n'],
    },
    {
      name: 'unknown item types are kept',
      input: bytes('{}\n', '{"type":"invalid_unknown"}\n', 'helloworld\n'),
      items: ['helloworld'],
      types: ['invalid_unknown'],
    },
    {
      // serde_json skips whitespace before a value, so Relay accepts blank lines before an item.
      name: 'blank lines and spaces before an item header',
      input: bytes('{}\n', '{"type":"event"}\n', 'a\n', '\n \r\n\t{"type":"event"}\n', 'b\n'),
      items: ['a', 'b'],
    },
    {
      name: 'whitespace before the envelope header',
      input: bytes(' \n{}\n', '{"type":"event"}\n', 'a'),
      items: ['a'],
    },
    {
      name: 'header spanning lines between JSON tokens',
      input: bytes('{\n"event_id":\n"' + EVENT_ID + '"\n}\n', '{"type":\n"event"}\n', 'abc\n'),
      items: ['abc'],
    },
    {
      name: 'braces, brackets and escaped quotes inside header strings',
      input: bytes('{"x":"}{[\\"]:,"}\n', '{"type":"event","y":"\\\\","z":"\\"}"}\n', 'p\n'),
      items: ['p'],
    },
    {
      name: 'duplicate keys in nested objects (kept by Relay as a Value map)',
      input: bytes('{"sdk":{"name":"a","name":"b"}}\n', '{"type":"event","meta":{"a":1,"a":2}}\n', 'p'),
      items: ['p'],
    },
    {
      name: 'invalid UTF-8 inside a payload is fine',
      input: bytes('{}\n', '{"type":"attachment"}\n', [0xc3, 0x28, 0xff], '\n'),
      items: ['\xc3\x28\xff'],
    },
    {
      name: 'escaped surrogate pair in a header',
      input: bytes('{"x":"\\ud83d\\ude00"}\n', '{"type":"event"}\n', 'p'),
      items: ['p'],
    },
    {
      name: 'item header at EOF with length 0',
      input: bytes('{}\n', '{"type":"attachment","length":0}'),
      items: [''],
    },
  ];

  for (const testCase of cases) {
    it(testCase.name, () => {
      const envelope = parseOk(testCase.input);
      expect(payloads(envelope)).toEqual(testCase.items);
      if (testCase.types) expect(envelope.items.map((item) => item.headers.type)).toEqual(testCase.types);
    });
  }

  it('keeps unknown header keys and the raw header values', () => {
    const envelope = parseOk(
      bytes(`{"event_id":"${EVENT_ID}","custom":[1,{"a":null}]}\n`, '{"type":"x","k":true}\n'),
    );
    expect(envelope.headers).toEqual({ event_id: EVENT_ID, custom: [1, { a: null }] });
    expect(envelope.items[0]?.headers).toEqual({ type: 'x', k: true });
  });

  it('accepts every UUID form Relay accepts for event_id, unnormalized', () => {
    for (const id of [
      EVENT_ID,
      EVENT_ID.toUpperCase(),
      '9ec79c33-ec99-42ab-8353-589fcb2e04dc',
      '{9ec79c33-ec99-42ab-8353-589fcb2e04dc}',
      'urn:uuid:9ec79c33-ec99-42ab-8353-589fcb2e04dc',
    ]) {
      expect(parseOk(bytes(JSON.stringify({ event_id: id }))).headers.event_id).toBe(id);
    }
  });

  it('removes null typed keys and drops non-object sdk/trace', () => {
    const envelope = parseOk(
      bytes(
        '{"event_id":null,"dsn":null,"sent_at":null,"sdk":"x","trace":5,"other":null}\n',
        '{"type":"attachment","length":null,"filename":null,"content_type":null,"attachment_type":null,"item_count":null}\n',
        'a\n',
      ),
    );
    expect(envelope.headers).toEqual({ other: null });
    expect(Object.keys(envelope.headers)).toEqual(['other']);
    expect(Object.keys(envelope.items[0]?.headers ?? {})).toEqual(['type']);
    // `length: null` reads as absent, so the payload is newline-terminated.
    expect(payloads(envelope)).toEqual(['a']);
  });

  it('accepts a Uint8Array that is not a Buffer and returns views into it', () => {
    const source = new Uint8Array(Buffer.from('xx{}\n{"type":"event","length":3}\nabc\n'));
    const view = source.subarray(2);
    const envelope = parseOk(view);
    const payload = envelope.items[0]?.payload;
    expect(payload?.toString()).toBe('abc');
    expect(payload?.buffer).toBe(source.buffer);
    expect(payload?.byteOffset).toBe(2 + '{}\n{"type":"event","length":3}\n'.length);
  });
});

describe('parseEnvelope: errors', () => {
  const cases: Array<{
    name: string;
    input: Buffer;
    kind: EnvelopeError['kind'];
    offset: number;
    message?: string;
  }> = [
    {
      name: 'empty input',
      input: bytes(''),
      kind: 'invalid_envelope_header',
      offset: 0,
      message: 'missing envelope header',
    },
    { name: 'whitespace only', input: bytes(' \n'), kind: 'invalid_envelope_header', offset: 2 },
    { name: 'header is an array', input: bytes('[]\n'), kind: 'invalid_envelope_header', offset: 0 },
    { name: 'header is a string', input: bytes('"x"\n'), kind: 'invalid_envelope_header', offset: 0 },
    { name: 'header is a number', input: bytes('123'), kind: 'invalid_envelope_header', offset: 0 },
    { name: 'header is null', input: bytes('null'), kind: 'invalid_envelope_header', offset: 0 },
    {
      name: 'header with a BOM',
      input: bytes([0xef, 0xbb, 0xbf], '{}'),
      kind: 'invalid_envelope_header',
      offset: 0,
    },
    { name: 'unterminated header', input: bytes('{"a":1'), kind: 'invalid_envelope_header', offset: 0 },
    { name: 'unterminated header string', input: bytes('{"a'), kind: 'invalid_envelope_header', offset: 0 },
    { name: 'malformed header JSON', input: bytes('{"a":}\n'), kind: 'invalid_envelope_header', offset: 0 },
    {
      name: 'trailing space after the header',
      input: bytes('{} \n'),
      kind: 'missing_newline',
      offset: 2,
      message: 'missing newline after header or payload',
    },
    { name: 'two objects on the header line', input: bytes('{}{}\n'), kind: 'missing_newline', offset: 2 },
    {
      name: 'duplicate envelope header key',
      input: bytes('{"sent_at":"a","sent_at":"b"}\n'),
      kind: 'invalid_envelope_header',
      offset: 0,
      message: 'invalid envelope header: duplicate key',
    },
    {
      name: 'invalid UTF-8 in the header',
      input: bytes('{"a":"', [0xc3, 0x28], '"}'),
      kind: 'invalid_envelope_header',
      offset: 0,
    },
    {
      name: 'number overflowing a double',
      input: bytes('{"a":1e400}'),
      kind: 'invalid_envelope_header',
      offset: 0,
    },
    {
      name: 'lone surrogate escape',
      input: bytes('{"a":"\\ud800"}'),
      kind: 'invalid_envelope_header',
      offset: 0,
    },
    {
      name: 'lone surrogate in a key',
      input: bytes('{"\\udc00":1}'),
      kind: 'invalid_envelope_header',
      offset: 0,
    },
    {
      name: 'nesting deeper than serde_json allows',
      input: bytes(`{"a":${'['.repeat(127)}${']'.repeat(127)}}`),
      kind: 'invalid_envelope_header',
      offset: 0,
    },
    {
      name: 'event_id that is not a UUID',
      input: bytes('{"event_id":"abc"}'),
      kind: 'invalid_envelope_header',
      offset: 0,
    },
    {
      name: 'event_id of wrong type',
      input: bytes('{"event_id":5}'),
      kind: 'invalid_envelope_header',
      offset: 0,
    },
    { name: 'unparsable dsn', input: bytes('{"dsn":"nope"}'), kind: 'invalid_envelope_header', offset: 0 },
    {
      name: 'dsn with a short key',
      input: bytes('{"dsn":"https://abc@host/1"}'),
      kind: 'invalid_envelope_header',
      offset: 0,
    },
    {
      name: 'dsn with key flags',
      input: bytes(`{"dsn":"https://${KEY}.no-cache@host/1"}`),
      kind: 'invalid_envelope_header',
      offset: 0,
    },
    { name: 'dsn of wrong type', input: bytes('{"dsn":1}'), kind: 'invalid_envelope_header', offset: 0 },
    {
      name: 'sent_at of wrong type',
      input: bytes('{"sent_at":1}'),
      kind: 'invalid_envelope_header',
      offset: 0,
    },
    {
      name: 'item header is not an object',
      input: bytes('{}\n', '[1]\n'),
      kind: 'invalid_item_header',
      offset: 3,
      message: 'invalid item header: expected a JSON object',
    },
    {
      name: 'empty line then garbage where an item header is expected',
      input: bytes('{}\n', '{"type":"event"}\n', 'a\n', '\nxyz\n'),
      kind: 'invalid_item_header',
      offset: 23,
    },
    {
      name: 'malformed item header',
      input: bytes('{}\n', '{"type":}\n'),
      kind: 'invalid_item_header',
      offset: 3,
    },
    {
      name: 'item header missing type',
      input: bytes('{}\n', '{"length":0}\n'),
      kind: 'missing_item_type',
      offset: 3,
      message: 'invalid item header: missing field `type`',
    },
    {
      name: 'item type not a string',
      input: bytes('{}\n', '{"type":5}\n'),
      kind: 'missing_item_type',
      offset: 3,
    },
    { name: 'item type null', input: bytes('{}\n', '{"type":null}\n'), kind: 'missing_item_type', offset: 3 },
    {
      name: 'duplicate item header key',
      input: bytes('{}\n', '{"type":"event","type":"event"}\n'),
      kind: 'invalid_item_header',
      offset: 3,
    },
    {
      name: 'negative length',
      input: bytes('{}\n', '{"type":"a","length":-1}\n'),
      kind: 'invalid_length',
      offset: 3,
    },
    {
      name: 'fractional length',
      input: bytes('{}\n', '{"type":"a","length":1.5}\n'),
      kind: 'invalid_length',
      offset: 3,
    },
    {
      name: 'string length',
      input: bytes('{}\n', '{"type":"a","length":"1"}\n'),
      kind: 'invalid_length',
      offset: 3,
    },
    {
      name: 'length beyond u32',
      input: bytes('{}\n', '{"type":"a","length":4294967296}\n'),
      kind: 'invalid_length',
      offset: 3,
    },
    {
      name: 'content_type of wrong type',
      input: bytes('{}\n', '{"type":"a","content_type":1}\n'),
      kind: 'invalid_item_header',
      offset: 3,
    },
    {
      name: 'filename of wrong type',
      input: bytes('{}\n', '{"type":"a","filename":{}}\n'),
      kind: 'invalid_item_header',
      offset: 3,
    },
    {
      name: 'negative item_count',
      input: bytes('{}\n', '{"type":"log","item_count":-2}\n'),
      kind: 'invalid_item_header',
      offset: 3,
    },
    {
      name: 'payload shorter than length',
      input: bytes('{}\n', '{"type":"a","length":10}\n', 'short\n'),
      kind: 'unexpected_eof',
      offset: 34,
      message: 'unexpected end of file',
    },
    {
      name: 'header at EOF while length expects bytes',
      input: bytes('{}\n', '{"type":"a","length":1}'),
      kind: 'unexpected_eof',
      offset: 26,
    },
    {
      name: 'length payload followed by a non-newline',
      input: bytes('{}\n', '{"type":"a","length":2}\n', 'abc\n'),
      kind: 'missing_newline',
      offset: 29,
    },
    {
      name: 'item header followed by a space',
      input: bytes('{}\n', '{"type":"a"} \n'),
      kind: 'missing_newline',
      offset: 15,
    },
    {
      name: 'second newline after the last item',
      input: bytes('{}\n', '{"type":"a","length":1}\n', 'x\n\n'),
      kind: 'trailing_data',
      offset: 29,
    },
    {
      name: 'blank line after a newline-terminated last item',
      input: bytes('{}\n', '{"type":"a"}\n', 'x\n\n'),
      kind: 'trailing_data',
      offset: 18,
    },
    {
      name: 'trailing spaces after the last item',
      input: bytes('{}\n', '{"type":"a","length":1}\n', 'x\n  '),
      kind: 'trailing_data',
      offset: 29,
    },
    {
      name: 'whitespace after a header-only envelope',
      input: bytes('{}\n\n'),
      kind: 'trailing_data',
      offset: 3,
    },
  ];

  for (const testCase of cases) {
    it(testCase.name, () => {
      const error = parseErr(testCase.input);
      expect(error.kind).toBe(testCase.kind);
      expect(error.offset).toBe(testCase.offset);
      if (testCase.message !== undefined) expect(error.message).toBe(testCase.message);
    });
  }

  it('accepts nesting of exactly 127 levels', () => {
    parseOk(bytes(`{"a":${'['.repeat(126)}${']'.repeat(126)}}`));
  });
});

describe('parseEnvelopeHeaders', () => {
  it('parses only the first header and ignores what follows', () => {
    const result = parseEnvelopeHeaders(bytes(`${HEADER}\n`, 'garbage that is not an item\n'));
    expect(result).toEqual({ ok: true, headers: { event_id: EVENT_ID, dsn: DSN } });
  });

  it('applies the same validation as the full parse', () => {
    expect(parseEnvelopeHeaders(bytes('{"dsn":"x"}\n{"type":"event"}\n'))).toMatchObject({
      ok: false,
      error: { kind: 'invalid_envelope_header', offset: 0 },
    });
    expect(parseEnvelopeHeaders(bytes('{} x'))).toMatchObject({
      ok: false,
      error: { kind: 'missing_newline' },
    });
    expect(parseEnvelopeHeaders(bytes(''))).toMatchObject({
      ok: false,
      error: { kind: 'invalid_envelope_header', message: 'missing envelope header' },
    });
  });
});

describe('serializeEnvelope', () => {
  it('writes Relay serialization: every item gets `length`, every payload ends in \\n', () => {
    const envelope: Envelope = {
      headers: { event_id: EVENT_ID },
      items: [
        {
          headers: { type: 'event', content_type: 'application/json' },
          payload: Buffer.from('{"message":"hello world","level":"error"}'),
        },
        {
          headers: { type: 'attachment', length: 999, filename: 'a.log' },
          payload: Buffer.from('Hello\r\n'),
        },
        { headers: { type: 'session' }, payload: Buffer.alloc(0) },
      ],
    };
    expect(serializeEnvelope(envelope).toString()).toBe(
      `{"event_id":"${EVENT_ID}"}\n` +
        '{"type":"event","content_type":"application/json","length":41}\n' +
        '{"message":"hello world","level":"error"}\n' +
        '{"type":"attachment","length":7,"filename":"a.log"}\n' +
        'Hello\r\n\n' +
        '{"type":"session","length":0}\n' +
        '\n',
    );
  });

  it('writes a header-only envelope as one line', () => {
    expect(serializeEnvelope({ headers: {}, items: [] }).toString()).toBe('{}\n');
  });

  it('does not mutate the input headers', () => {
    const headers: ItemHeaders = { type: 'event' };
    serializeEnvelope({ headers: {}, items: [{ headers, payload: Buffer.from('x') }] });
    expect(headers).toEqual({ type: 'event' });
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests

/** JSON values as they survive a JSON round trip (no -0), with any well-formed Unicode. */
const jsonValue: fc.Arbitrary<JsonValue> = fc
  .jsonValue({ maxDepth: 3, stringUnit: 'binary' })
  .map((value) => JSON.parse(JSON.stringify(value)) as JsonValue);

function extras(reserved: readonly string[]): fc.Arbitrary<JsonObject> {
  return fc
    .dictionary(fc.string({ unit: 'binary', maxLength: 8 }), jsonValue, { maxKeys: 4 })
    .map((dictionary) => {
      const object: JsonObject = {};
      for (const [key, value] of Object.entries(dictionary)) {
        if (!reserved.includes(key))
          Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return object;
    });
}

const jsonObject: fc.Arbitrary<JsonObject> = extras([]);

const hex32 = fc.uuid().map((uuid) => uuid.replace(/-/g, ''));

const envelopeHeaders = fc
  .record(
    {
      event_id: fc.oneof(hex32, fc.uuid()),
      dsn: fc
        .tuple(hex32, fc.constantFrom('https', 'http'), fc.nat({ max: 1_000_000 }))
        .map(([key, scheme, id]) => `${scheme}://${key}@example.test/${id}`),
      sent_at: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      sdk: jsonObject,
      trace: jsonObject,
    },
    { requiredKeys: [] },
  )
  .chain((typed) =>
    extras(['event_id', 'dsn', 'sent_at', 'sdk', 'trace']).map((rest) => Object.assign(rest, typed)),
  );

const u32 = fc.integer({ min: 0, max: 0xffffffff });

const itemHeaders: fc.Arbitrary<ItemHeaders> = fc
  .record(
    {
      type: fc.string({ unit: 'binary', maxLength: 12 }),
      length: u32,
      content_type: fc.string({ maxLength: 10 }),
      filename: fc.string({ unit: 'binary', maxLength: 10 }),
      attachment_type: fc.string({ maxLength: 10 }),
      item_count: u32,
    },
    { requiredKeys: ['type'] },
  )
  .chain((typed) =>
    extras(['type', 'length', 'content_type', 'filename', 'attachment_type', 'item_count']).map(
      (rest) => Object.assign(rest, typed) as ItemHeaders,
    ),
  );

/** Payloads biased toward the bytes that matter to framing. */
const payload: fc.Arbitrary<Buffer> = fc
  .oneof(
    fc.uint8Array({ maxLength: 48 }),
    fc
      .array(
        fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x20, 0x7b, 0x7d, 0x22, 0x5c), fc.integer({ min: 0, max: 255 })),
        {
          maxLength: 24,
        },
      )
      .map((values) => Uint8Array.from(values)),
  )
  .map((array) => Buffer.from(array));

const envelope: fc.Arbitrary<Envelope> = fc.record({
  headers: envelopeHeaders,
  items: fc.array(fc.record({ headers: itemHeaders, payload }), { maxLength: 4 }),
});

/** What `parse(serialize(envelope))` must give back: every item gains its true `length`. */
function withLengths(value: Envelope): unknown {
  return {
    headers: value.headers,
    items: value.items.map((item) => ({
      headers: { ...item.headers, length: item.payload.length },
      payload: Buffer.from(item.payload),
    })),
  };
}

function comparable(result: ParseResult): unknown {
  if (!result.ok) return result;
  return {
    headers: result.envelope.headers,
    items: result.envelope.items.map((item) => ({
      headers: item.headers,
      payload: Buffer.from(item.payload),
    })),
  };
}

type Mutation =
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; byte: number }
  | { op: 'delete'; at: number; count: number }
  | { op: 'truncate'; at: number };

/** Byte-level damage to a valid envelope: flips, insertions, deletions, truncation. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    byte: fc.constantFrom(0x0a, 0x0d, 0x20, 0x7b, 0x7d, 0x22, 0x3a, 0x2c, 0x5c, 0x30, 0xff),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(input: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(input);
  for (const change of mutations) {
    const at = out.length === 0 ? 0 : change.at % (out.length + 1);
    switch (change.op) {
      case 'set':
        if (at < out.length) out[at] = change.byte;
        break;
      case 'insert':
        out = Buffer.concat([out.subarray(0, at), Buffer.from([change.byte]), out.subarray(at)]);
        break;
      case 'delete':
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + change.count)]);
        break;
      case 'truncate':
        out = out.subarray(0, at);
        break;
    }
  }
  return out;
}

const mutatedEnvelope = fc
  .tuple(envelope, fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([value, mutations]) => mutate(serializeEnvelope(value), mutations));

/** Text envelopes with newline-terminated payloads (no `length`), as hand-written clients send. */
const lineEnvelope = fc
  .array(
    fc.tuple(
      fc.constantFrom('{"type":"event"}', '{"type":"session","x":[1]}', '{"type":"a","length":0}', '{}', ''),
      fc.string({ maxLength: 6 }).map((text) => text.replace(/\n/g, '')),
    ),
    { maxLength: 4 },
  )
  .chain((items) =>
    fc
      .constantFrom('', '\n', '\n\n', ' ')
      .map((tail) => Buffer.from(`{}\n${items.map(([h, p]) => `${h}\n${p}`).join('\n')}${tail}`)),
  );

/**
 * Valid but non-canonical envelopes: items without `length` where the payload has no newline,
 * whitespace before item headers, and an optional final newline.
 */
const looseEnvelopeCase = fc
  .tuple(
    envelope,
    fc.array(fc.tuple(fc.boolean(), fc.constantFrom('', '', '\n', ' \r\n\t')), {
      minLength: 4,
      maxLength: 4,
    }),
    fc.boolean(),
  )
  .map(([value, choices, finalNewline]) => {
    const parts: Buffer[] = [Buffer.from(JSON.stringify(value.headers))];
    value.items.forEach((item, index) => {
      const [dropLength, gap] = choices[index] ?? [false, ''];
      const headers: JsonObject = { ...item.headers, length: item.payload.length };
      if (dropLength && !item.payload.includes(0x0a)) delete headers.length;
      parts.push(Buffer.from(`\n${gap}${JSON.stringify(headers)}\n`), item.payload);
    });
    if (finalNewline) parts.push(Buffer.from('\n'));
    return { value, bytes: Buffer.concat(parts) };
  });

const looseEnvelope = looseEnvelopeCase.map(({ bytes }) => bytes);

function assertWellFormed(result: ParseResult, inputLength: number): void {
  if (result.ok) {
    for (const item of result.envelope.items) {
      expect(typeof item.headers.type).toBe('string');
      expect(Buffer.isBuffer(item.payload)).toBe(true);
    }
    return;
  }
  expect(ERROR_KINDS.has(result.error.kind)).toBe(true);
  expect(typeof result.error.message).toBe('string');
  expect(Number.isInteger(result.error.offset)).toBe(true);
  expect(result.error.offset).toBeGreaterThanOrEqual(0);
  expect(result.error.offset).toBeLessThanOrEqual(inputLength);
}

describe('parseEnvelope properties', () => {
  it('(a) never throws on arbitrary bytes and returns ok or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (input) => {
        assertWellFormed(parseEnvelope(input), input.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('(a) never throws on mutated valid envelopes', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedEnvelope, lineEnvelope, looseEnvelope), (input) => {
        assertWellFormed(parseEnvelope(input), input.length);
      }),
      { numRuns: 1500 },
    );
  });

  it('(b) serialize → parse round-trips any envelope', () => {
    fc.assert(
      fc.property(envelope, (value) => {
        expect(comparable(parseEnvelope(serializeEnvelope(value)))).toEqual(withLengths(value));
      }),
      { numRuns: 800 },
    );
  });

  it('(b) valid non-canonical framings parse to the same headers and payloads', () => {
    fc.assert(
      fc.property(looseEnvelopeCase, ({ value, bytes: input }) => {
        const result = parseEnvelope(input);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const withoutLength = (headers: JsonObject): JsonObject => {
          const { length: _length, ...rest } = headers;
          return rest;
        };
        expect(result.envelope.headers).toEqual(value.headers);
        expect(result.envelope.items.map((item) => withoutLength(item.headers))).toEqual(
          value.items.map((item) => withoutLength(item.headers)),
        );
        expect(result.envelope.items.map((item) => Buffer.from(item.payload))).toEqual(
          value.items.map((item) => Buffer.from(item.payload)),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('(c) parse(serialize(parse(x))) is stable', () => {
    fc.assert(
      fc.property(
        fc.oneof(looseEnvelope, mutatedEnvelope, lineEnvelope, fc.uint8Array({ maxLength: 64 })),
        (input) => {
          const first = parseEnvelope(input);
          if (!first.ok) return;
          const serialized = serializeEnvelope(first.envelope);
          const second = parseEnvelope(serialized);
          expect(second.ok).toBe(true);
          if (!second.ok) return;
          expect(comparable(second)).toEqual(withLengths(first.envelope));
          expect(serializeEnvelope(second.envelope).equals(serialized)).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
