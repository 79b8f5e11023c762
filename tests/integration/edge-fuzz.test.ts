// A property-based fuzz run of the ingest edge (issue 4: "a fuzz run of the edge that finds no
// crash and no 500"). fast-check generates requests to every ingest endpoint of the in-process
// server — envelopes with broken header lines, item headers with bad lengths and types,
// truncated and invalid UTF-8 payloads, deeply nested JSON, every Content-Encoding (corrupt and
// stacked ones too), odd content types, auth headers and query strings, crash uploads, OTLP and
// cron bodies — and checks for each answer:
//
// - no 5xx other than 503 (back-pressure);
// - an error answer carries Relay's JSON body `{"detail": "...", "causes"?: [...]}` (the browser
//   report endpoints answer an unsupported media type with an empty 415, as Relay does);
// - nothing throws out of the server: no unhandled exception or rejection, no error logged by the
//   edge or by processing (a row that cannot be stored would be retried forever);
//
// and, after the run, that everything accepted was processed and a valid envelope is still
// stored. Requests go through `app.inject` (Fastify's full request path without Node's HTTP
// parser, so header bytes that parser would refuse reach the app too).
//
// Seeded and bounded: VIGIL_FUZZ_RUNS requests (default 300) from VIGIL_FUZZ_SEED (default fixed).
// A longer run: `VIGIL_FUZZ_RUNS=20000 npx vitest run tests/integration/edge-fuzz.test.ts`.
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Vigil } from '../../src/server/app.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';

const RUNS = Number(process.env.VIGIL_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.VIGIL_FUZZ_SEED ?? 20_241_104);

let server: TestVigil;
let vigil: Vigil;
let projectId: number;
let publicKey: string;
/** Error-level log lines of the server (pino JSON). */
const errorLogs: string[] = [];
/** Exceptions and rejections nobody handled while the server ran. */
const unhandled: unknown[] = [];
const onUnhandled = (error: unknown): void => {
  unhandled.push(error);
};

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line && (JSON.parse(line) as { level: number }).level >= 50) errorLogs.push(line);
      }
      done();
    },
  });
  server = await startTestVigil('edge-fuzz', undefined, { logger: pino({ level: 'warn' }, sink) });
  ({ vigil, projectId, publicKey } = server);
  process.on('uncaughtException', onUnhandled);
  process.on('unhandledRejection', onUnhandled);
}, 60_000);

afterAll(async () => {
  process.off('uncaughtException', onUnhandled);
  process.off('unhandledRejection', onUnhandled);
  await server?.close();
});

// ---------------------------------------------------------------------------------------------
// Payload generators
// ---------------------------------------------------------------------------------------------

const hex = (n: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const eventId = fc.oneof(hex(32), fc.uuid(), fc.constant('not-an-id'), fc.integer(), fc.constant(null));
/** Timestamps of every shape SDKs (and attackers) send: floats, RFC 3339, out of range, junk. */
const timestamp = fc.oneof(
  fc.double({ min: -1e12, max: 1e13, noNaN: true }),
  fc.constant(Date.now() / 1000),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('1e308', 'NaN', '', '2024-13-45T99:99:99Z', -1, 1e308, Number.MAX_SAFE_INTEGER),
  fc.string(),
);
/** Any JSON value, a few levels deep. */
const json = fc.jsonValue({ maxDepth: 4 });
/** Text including lone surrogates, control characters and long runs. */
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '\ud800',
    '\udfff',
    '\u0000',
    'a'.repeat(10_000),
    '%s %s %s',
    '{{auto}}',
    '../../etc/passwd',
  ),
);
/** `[[[…]]]` / `{"a":{"a":…}}` nesting up to 100k levels (may be unbalanced). */
const deepJson = fc
  .record({ depth: fc.integer({ min: 1, max: 100_000 }), object: fc.boolean(), balanced: fc.boolean() })
  .map(({ depth, object, balanced }) => {
    const open = object ? '{"a":' : '[';
    const close = object ? '}' : ']';
    return open.repeat(depth) + (object ? '1' : '') + (balanced ? close.repeat(depth) : '');
  });

/** A JSON object with the given keys mapped to arbitrary (sometimes well-typed) values. */
function shapedObject(keys: readonly string[], typed: Record<string, fc.Arbitrary<unknown>> = {}) {
  return fc
    .dictionary(fc.constantFrom(...keys), fc.oneof(json, nastyString, timestamp), { maxKeys: keys.length })
    .chain((base) => fc.record(typed, { requiredKeys: [] }).map((extra) => ({ ...base, ...extra })));
}

const EVENT_KEYS = [
  'event_id',
  'timestamp',
  'start_timestamp',
  'level',
  'platform',
  'message',
  'logentry',
  'exception',
  'threads',
  'stacktrace',
  'breadcrumbs',
  'contexts',
  'tags',
  'extra',
  'user',
  'request',
  'sdk',
  'release',
  'environment',
  'fingerprint',
  'transaction',
  'spans',
  'measurements',
  'type',
  'debug_meta',
  'modules',
  'csp',
  'hpkp',
  '_meta',
  'errors',
  'dist',
  'server_name',
  'logger',
  'culprit',
];
const frame = shapedObject([
  'filename',
  'function',
  'lineno',
  'colno',
  'abs_path',
  'in_app',
  'vars',
  'module',
  'context_line',
  'pre_context',
  'instruction_addr',
]);
const event = shapedObject(EVENT_KEYS, {
  event_id: eventId,
  timestamp,
  exception: fc.record({
    values: fc.array(
      shapedObject(['type', 'value', 'module', 'mechanism', 'stacktrace'], {
        stacktrace: fc.record({ frames: fc.array(frame, { maxLength: 5 }) }),
      }),
      { maxLength: 3 },
    ),
  }),
  contexts: fc.dictionary(fc.constantFrom('trace', 'os', 'browser', 'runtime', 'flags', 'device', 'x'), json),
  tags: fc.oneof(fc.dictionary(nastyString, json), fc.array(fc.array(json, { maxLength: 3 }))),
  spans: fc.array(
    shapedObject(['span_id', 'parent_span_id', 'trace_id', 'op', 'start_timestamp', 'timestamp', 'data']),
    { maxLength: 4 },
  ),
});
const transaction = event.map((e) => ({
  type: 'transaction',
  start_timestamp: Date.now() / 1000 - 1,
  timestamp: Date.now() / 1000,
  contexts: { trace: { trace_id: 'a0fa8803753e40fd8124b21eeb2986b5', span_id: '968cff94913ebb07' } },
  ...e,
}));
const session = shapedObject(
  [
    'sid',
    'did',
    'seq',
    'init',
    'timestamp',
    'started',
    'duration',
    'status',
    'errors',
    'attrs',
    'abnormal_mechanism',
  ],
  {
    sid: fc.oneof(fc.uuid(), nastyString),
    attrs: shapedObject(['release', 'environment', 'ip_address', 'user_agent']),
    timestamp,
    started: timestamp,
  },
);
const sessions = shapedObject(['aggregates', 'attrs'], {
  aggregates: fc.array(shapedObject(['started', 'did', 'exited', 'errored', 'abnormal', 'crashed']), {
    maxLength: 4,
  }),
});
const attribute = fc.record({
  type: fc.constantFrom('string', 'integer', 'double', 'boolean', 'array', 'other'),
  value: fc.oneof(json, nastyString),
});
const containerEntry = shapedObject(
  [
    'timestamp',
    'trace_id',
    'span_id',
    'level',
    'body',
    'attributes',
    'name',
    'value',
    'type',
    'unit',
    'start_timestamp',
    'end_timestamp',
    'status',
    'is_segment',
    'parent_span_id',
  ],
  { attributes: fc.dictionary(nastyString, attribute, { maxKeys: 5 }), timestamp },
);
const container = fc.record({ items: fc.array(containerEntry, { maxLength: 5 }) });
const clientReport = shapedObject(
  ['timestamp', 'discarded_events', 'rate_limited_events', 'filtered_events'],
  {
    discarded_events: fc.array(shapedObject(['reason', 'category', 'quantity']), { maxLength: 4 }),
  },
);
const checkIn = shapedObject(
  ['check_in_id', 'monitor_slug', 'status', 'duration', 'environment', 'monitor_config'],
  {
    monitor_config: shapedObject(['schedule', 'checkin_margin', 'max_runtime', 'timezone']),
  },
);
const replayEvent = shapedObject([
  'replay_id',
  'segment_id',
  'timestamp',
  'replay_start_timestamp',
  'urls',
  'error_ids',
  'trace_ids',
  'type',
  'replay_type',
]);
const profile = shapedObject([
  'version',
  'platform',
  'os',
  'device',
  'timestamp',
  'profile',
  'transactions',
  'transaction',
  'debug_meta',
  'event_id',
]);
const metricBuckets = fc.array(shapedObject(['name', 'type', 'value', 'timestamp', 'width', 'tags']), {
  maxLength: 4,
});
const statsd = fc
  .array(fc.oneof(fc.constant('foo:1|c|#a:b'), fc.constant('bar:1:2:3|d'), nastyString), { maxLength: 5 })
  .map((l) => l.join('\n'));

/** Valid-ish JSON payloads per item type (the rest gets arbitrary bytes). */
const TYPED_PAYLOADS: Record<string, fc.Arbitrary<unknown>> = {
  event,
  transaction,
  feedback: event,
  user_report: shapedObject(['event_id', 'name', 'email', 'comments']),
  security: shapedObject(['csp-report', 'expect-ct-report', 'hostname', 'known-pins']),
  raw_security: shapedObject(['csp-report', 'expect-ct-report', 'hostname', 'known-pins']),
  session,
  sessions,
  client_report: clientReport,
  check_in: checkIn,
  log: container,
  trace_metric: container,
  span: fc.oneof(container, shapedObject(['span_id', 'trace_id', 'start_timestamp', 'timestamp', 'op'])),
  replay_event: replayEvent,
  profile,
  profile_chunk: profile,
  metric_buckets: metricBuckets,
  nel: fc.array(shapedObject(['type', 'age', 'url', 'user_agent', 'body']), { maxLength: 3 }),
};
const ITEM_TYPES = [
  ...Object.keys(TYPED_PAYLOADS),
  'attachment',
  'replay_recording',
  'replay_video',
  'statsd',
  'form_data',
  'unreal_report',
  'integration',
  'otel_log',
  'unknown_thing',
  '',
];

const randomBytes = fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a));
/** Invalid UTF-8 sequences inside otherwise plausible JSON text. */
const invalidUtf8 = fc
  .constantFrom(
    [0xff],
    [0xc3, 0x28],
    [0xe2, 0x28, 0xa1],
    [0xf0, 0x28, 0x8c, 0xbc],
    [0xed, 0xa0, 0x80],
    [0xc0, 0xaf],
  )
  .map((bad) => Buffer.concat([Buffer.from('{"message":"'), Buffer.from(bad), Buffer.from('"}')]));

function payloadFor(type: string): fc.Arbitrary<Buffer> {
  const typed = TYPED_PAYLOADS[type];
  const jsonText = (typed ?? json).map((v) => Buffer.from(JSON.stringify(v) ?? 'null'));
  const special =
    type === 'statsd'
      ? statsd.map((s) => Buffer.from(s))
      : type === 'replay_recording'
        ? fc
            .tuple(
              json,
              fc.oneof(
                randomBytes,
                deepJson.map((d) => Buffer.from(d)),
                json.map((j) => Buffer.from(JSON.stringify(j))),
              ),
            )
            .map(([h, b]) => Buffer.concat([Buffer.from(`${JSON.stringify(h)}\n`), b]))
        : jsonText;
  return fc.oneof(
    { weight: 5, arbitrary: jsonText },
    { weight: 2, arbitrary: special },
    { weight: 1, arbitrary: randomBytes },
    { weight: 1, arbitrary: invalidUtf8 },
    { weight: 1, arbitrary: deepJson.map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  );
}

/** How an item header states its length. */
const lengthMode = fc.constantFrom(
  'exact',
  'exact',
  'exact',
  'absent',
  'short',
  'long',
  'huge',
  'negative',
  'float',
  'string',
  'null',
);

function lengthValue(mode: string, actual: number): unknown {
  switch (mode) {
    case 'exact':
      return actual;
    case 'short':
      return Math.max(0, actual - 3);
    case 'long':
      return actual + 7;
    case 'huge':
      return 2 ** 53 + 1;
    case 'negative':
      return -actual - 1;
    case 'float':
      return actual + 0.5;
    case 'string':
      return String(actual);
    case 'null':
      return null;
    default:
      return undefined;
  }
}

const item = fc.constantFrom(...ITEM_TYPES).chain((type) =>
  fc.record({
    type: fc.oneof(
      { weight: 9, arbitrary: fc.constant<unknown>(type) },
      { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), nastyString) },
    ),
    payload: payloadFor(type),
    length: lengthMode,
    extra: fc.dictionary(
      fc.constantFrom(
        'content_type',
        'item_count',
        'filename',
        'attachment_type',
        'sample_rates',
        'event_id',
        'metrics_extracted',
        'platform',
        'timestamp',
        'meta_length',
      ),
      fc.oneof(
        json,
        nastyString,
        fc.constantFrom(
          'application/vnd.sentry.items.log+json',
          'application/vnd.sentry.items.span.v2+json',
          'event.minidump',
          'event.attachment',
          'application/json',
        ),
      ),
      { maxKeys: 3 },
    ),
  }),
);

const envelopeHeader = fc.oneof(
  {
    weight: 6,
    arbitrary: shapedObject(['event_id', 'dsn', 'sent_at', 'sdk', 'trace', 'attachment']).map((h) =>
      Buffer.from(JSON.stringify(h)),
    ),
  },
  { weight: 1, arbitrary: randomBytes },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('', '{', '[]', 'null', '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"', '{}{}')
      .map((s) => Buffer.from(s)),
  },
);

/** Mutations applied to the serialized envelope. */
const mutation = fc.oneof(
  { weight: 6, arbitrary: fc.constant((b: Buffer) => b) },
  {
    weight: 1,
    arbitrary: fc.nat().map((n) => (b: Buffer) => b.subarray(0, b.length === 0 ? 0 : n % b.length)),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([n, v]) => (b: Buffer) => {
      const c = Buffer.from(b);
      if (c.length > 0) c[n % c.length] = v;
      return c;
    }),
  },
  { weight: 1, arbitrary: randomBytes.map((g) => (b: Buffer) => Buffer.concat([b, g])) },
  {
    weight: 1,
    arbitrary: fc.constant((b: Buffer) => Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1')),
  },
);

const envelope = fc
  .record({
    header: envelopeHeader,
    items: fc.array(item, { maxLength: 5 }),
    mutate: mutation,
    trailingNewline: fc.boolean(),
  })
  .map(({ header, items, mutate, trailingNewline }) => {
    const parts: Buffer[] = [header];
    for (const it of items) {
      const headers: Record<string, unknown> = { ...it.extra, type: it.type };
      const length = lengthValue(it.length, it.payload.length);
      if (length !== undefined) headers.length = length;
      parts.push(Buffer.from(`\n${JSON.stringify(headers)}\n`), it.payload);
    }
    if (trailingNewline) parts.push(Buffer.from('\n'));
    return mutate(Buffer.concat(parts));
  });

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** A zstd frame of a small valid envelope (made with the zstd CLI; Node 20 cannot compress zstd). */
const ZSTD_ENVELOPE = Buffer.from(
  'KLUv/SRpBQMAssUUG3CJc2iy7WS6E4iPiaKu/rdA0UYI18JZf/RRA+jxmcPyxr1o+xIK8t4NRmImrOK+GGDmM4i1gx5rU4GnRAd5LFx4JEhSmXpETUOfZm4Fwbo3txMDEAUjChA+6gEKu8QnsQ==',
  'base64',
);

type Coding = 'gzip' | 'deflate' | 'br' | 'zstd' | 'identity' | 'bogus';

function encode(body: Buffer, coding: Coding): Buffer {
  switch (coding) {
    case 'gzip':
      return zlib.gzipSync(body);
    case 'deflate':
      return zlib.deflateSync(body);
    case 'br':
      return zlib.brotliCompressSync(body);
    case 'zstd':
      // Valid zstd is only available for the fixed frame; anything else is labelled zstd as is.
      return body;
    default:
      return body;
  }
}

/** Content-Encoding: none, one or two codings, correctly applied or corrupt / mislabelled. */
const encoding = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constant<{ header?: string; codings: Coding[]; corrupt: boolean }>({
      codings: [],
      corrupt: false,
    }),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        codings: fc.array(fc.constantFrom<Coding>('gzip', 'deflate', 'br', 'zstd', 'identity'), {
          minLength: 1,
          maxLength: 2,
        }),
        corrupt: fc.boolean(),
        spelling: fc.constantFrom('plain', 'upper', 'spaces', 'x-gzip'),
      })
      .map(({ codings, corrupt, spelling }) => {
        let header = codings.join(', ');
        if (spelling === 'upper') header = header.toUpperCase();
        if (spelling === 'spaces') header = `  ${codings.join(' ,  ')} `;
        if (spelling === 'x-gzip') header = header.replace('gzip', 'x-gzip');
        return { header, codings, corrupt };
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('bogus', 'gzip;q=1', ',', '', 'chunked')
      .map((header) => ({ header, codings: [] as Coding[], corrupt: false })),
  },
);

function applyEncoding(body: Buffer, enc: { codings: Coding[]; corrupt: boolean }, seed: number): Buffer {
  let out = body;
  const zstdOnly = enc.codings.length === 1 && enc.codings[0] === 'zstd';
  if (zstdOnly && !enc.corrupt) return ZSTD_ENVELOPE;
  for (const coding of enc.codings) out = encode(out, coding);
  if (enc.corrupt && out.length > 0) {
    out = Buffer.from(out);
    const at = seed % out.length;
    out[at] = out[at]! ^ 0x5a;
    out = out.subarray(0, Math.max(1, out.length - (seed % 7)));
  }
  return out;
}

/** Auth: the one valid way of each source, and broken ones. */
function authArb() {
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constant(() => publicKey) },
    { weight: 1, arbitrary: hex(32).map((k) => () => k) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('', 'short', 'x'.repeat(33), `${'a'.repeat(32)}:secret`, '🙂'.repeat(16))
        .map((k) => () => k),
    },
  );
  const broken = fc.record({
    mode: fc.constantFrom('header', 'query', 'authorization', 'basic', 'both', 'none', 'garbage'),
    key,
    version: fc.constantFrom('7', '5', '99', 'x', ''),
    garbage: fc.constantFrom(
      'Sentry',
      'Sentry ',
      'Sentry sentry_key',
      'Sentry ,,,=,',
      'Bearer x',
      'Basic !!!',
      'sentry_key=a',
    ),
  });
  const valid = fc.record({
    mode: fc.constantFrom('header', 'query'),
    key: fc.constant(() => publicKey),
    version: fc.constantFrom('7', '5'),
    garbage: fc.constant(''),
  });
  // Most requests authenticate, so that most of them reach parsing and processing.
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: broken });
}
type Auth = { mode: string; key: () => string; version: string; garbage: string };

function authParts(auth: Auth): { headers: Record<string, string>; query: string } {
  const k = auth.key();
  const sentry = `Sentry sentry_version=${auth.version}, sentry_client=fuzz/1.0, sentry_key=${k}`;
  switch (auth.mode) {
    case 'header':
      return { headers: { 'x-sentry-auth': sentry }, query: '' };
    case 'query':
      return { headers: {}, query: `sentry_key=${encodeURIComponent(k)}&sentry_version=${auth.version}` };
    case 'authorization':
      return { headers: { authorization: sentry }, query: '' };
    case 'basic':
      return { headers: { authorization: `Basic ${Buffer.from(`${k}:`).toString('base64')}` }, query: '' };
    case 'both':
      return { headers: { 'x-sentry-auth': sentry }, query: `sentry_key=${encodeURIComponent(k)}` };
    case 'garbage':
      return { headers: { 'x-sentry-auth': auth.garbage }, query: '' };
    default:
      return { headers: {}, query: '' };
  }
}

const projectPath = fc.oneof(
  { weight: 8, arbitrary: fc.constant(() => String(projectId)) },
  {
    weight: 1,
    // (No `..` or `%2e`: inject resolves them away from the ingest routes; a socket would not.)
    arbitrary: fc
      .constantFrom('0', '999999', '-1', 'abc', '1e3', '99999999999999999999', '%00')
      .map((p) => () => p),
  },
);

const CONTENT_TYPES = [
  'application/x-sentry-envelope',
  'application/json',
  'application/octet-stream',
  'text/plain',
  'application/csp-report',
  'application/reports+json',
  'application/expect-ct-report+json',
  'application/x-protobuf',
  'application/protobuf',
  'multipart/form-data; boundary=BOUNDARY',
  'multipart/form-data',
  'application/json; charset=utf-16',
  'garbage',
  '',
  '/',
  ';;;',
];

/** A multipart body with random parts (crash uploads and attachments). */
const multipart = fc
  .record({
    parts: fc.array(
      fc.record({
        name: fc.constantFrom(
          'upload_file_minidump',
          'sentry',
          'sentry[tags][a]',
          '__sentry-event',
          'attachment',
          'log',
          '',
          'a"b',
        ),
        filename: fc.option(fc.constantFrom('dump.dmp', 'a.txt', '', '"'), { nil: undefined }),
        body: fc.oneof(
          fc.constant(Buffer.concat([Buffer.from('MDMP'), Buffer.alloc(28)])),
          randomBytes.map((b) => Buffer.concat([Buffer.from('MDMP'), b])),
          randomBytes,
          event.map((e) => Buffer.from(JSON.stringify(e))),
        ),
      }),
      { maxLength: 4 },
    ),
    closing: fc.boolean(),
  })
  .map(({ parts, closing }) => {
    const chunks: Buffer[] = [];
    for (const part of parts) {
      const filename = part.filename === undefined ? '' : `; filename="${part.filename}"`;
      chunks.push(
        Buffer.from(`--BOUNDARY\r\nContent-Disposition: form-data; name="${part.name}"${filename}\r\n\r\n`),
        part.body,
        Buffer.from('\r\n'),
      );
    }
    if (closing) chunks.push(Buffer.from('--BOUNDARY--\r\n'));
    return Buffer.concat(chunks);
  });

/** OTLP logs / traces JSON, or random bytes labelled protobuf. */
const otlpJson = fc
  .record({
    resource: shapedObject(['attributes', 'droppedAttributesCount']),
    records: fc.array(
      shapedObject([
        'timeUnixNano',
        'severityText',
        'severityNumber',
        'body',
        'attributes',
        'traceId',
        'spanId',
        'name',
        'startTimeUnixNano',
        'endTimeUnixNano',
        'kind',
        'status',
      ]),
      { maxLength: 3 },
    ),
  })
  .map(({ resource, records }) =>
    Buffer.from(
      JSON.stringify({
        resourceLogs: [{ resource, scopeLogs: [{ scope: {}, logRecords: records }] }],
        resourceSpans: [{ resource, scopeSpans: [{ scope: {}, spans: records }] }],
      }),
    ),
  );

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  endpoint: string;
}

const request: fc.Arbitrary<FuzzRequest> = fc
  .record({
    endpoint: fc.constantFrom(
      'envelope',
      'envelope',
      'envelope',
      'store',
      'store',
      'store-get',
      'security',
      'csp-report',
      'nel',
      'minidump',
      'attachments',
      'otlp-logs',
      'otlp-traces',
      'cron',
      'preflight',
    ),
    project: projectPath,
    auth: authArb(),
    contentType: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    ),
    encoding,
    envelope,
    storeBody: fc.oneof(
      event.map((e) => Buffer.from(JSON.stringify(e))),
      payloadFor('event'),
      fc.constant(Buffer.from('eF6rVspNLS5OTE9VslJQysxVyMxTKC1SKCxNLapUKEgsSswtVqoFAOKyDI4=')),
    ),
    multipart,
    otlp: fc.oneof(otlpJson, randomBytes),
    report: payloadFor('security'),
    slug: fc.constantFrom('my-monitor', '', '%2F', 'a'.repeat(200), '🙂'),
    cronQuery: fc.constantFrom(
      'status=ok',
      'status=in_progress&duration=1',
      'status=bogus',
      'check_in_id=x',
      '',
    ),
    eventPath: fc.oneof(hex(32), fc.uuid(), fc.constantFrom('x', '')),
    seed: fc.nat(),
    userAgent: fc.option(
      nastyString.map((s) => s.replace(/[^\x20-\x7e]/g, '').slice(0, 300)),
      { nil: undefined },
    ),
    forwardedFor: fc.option(fc.constantFrom('1.2.3.4', '::1', 'garbage, 10.0.0.1', '999.1.1.1'), {
      nil: undefined,
    }),
  })
  .map((r): FuzzRequest => {
    const p = r.project();
    const { headers, query } = authParts(r.auth);
    let method = 'POST';
    let url: string;
    let body: Buffer | undefined;
    let contentType = r.contentType;
    switch (r.endpoint) {
      case 'envelope':
        url = `/api/${p}/envelope/`;
        body = r.envelope;
        contentType ??= 'application/x-sentry-envelope';
        break;
      case 'store':
        url = `/api/${p}/store/`;
        body = r.storeBody;
        break;
      case 'store-get':
        method = 'GET';
        url = `/api/${p}/store/?sentry_data=${encodeURIComponent(r.storeBody.toString('latin1'))}`;
        break;
      case 'security':
      case 'csp-report':
        url = `/api/${p}/${r.endpoint}/`;
        body = r.report;
        contentType ??= 'application/csp-report';
        break;
      case 'nel':
        url = `/api/${p}/nel/`;
        body = r.report;
        contentType ??= 'application/reports+json';
        break;
      case 'minidump':
        url = `/api/${p}/minidump/`;
        body = r.multipart;
        contentType ??= 'multipart/form-data; boundary=BOUNDARY';
        break;
      case 'attachments':
        url = `/api/${p}/events/${r.eventPath}/attachments/`;
        body = r.multipart;
        contentType ??= 'multipart/form-data; boundary=BOUNDARY';
        break;
      case 'otlp-logs':
      case 'otlp-traces':
        url = `/api/${p}/integration/otlp/v1/${r.endpoint === 'otlp-logs' ? 'logs' : 'traces'}`;
        body = r.otlp;
        contentType ??= r.seed % 2 === 0 ? 'application/json' : 'application/x-protobuf';
        break;
      case 'cron':
        method = r.seed % 3 === 0 ? 'GET' : 'POST';
        url = `/api/${p}/cron/${r.slug}/${r.seed % 2 === 0 ? r.auth.key() + '/' : ''}?${r.cronQuery}`;
        body = method === 'POST' ? r.report : undefined;
        break;
      default:
        method = 'OPTIONS';
        url = `/api/${p}/envelope/`;
        headers['access-control-request-method'] = r.seed % 2 === 0 ? 'POST' : 'DELETE';
    }
    if (query) url += (url.includes('?') ? '&' : '?') + query;
    if (body !== undefined) {
      body = applyEncoding(body, r.encoding, r.seed);
      if ('header' in r.encoding && r.encoding.header !== undefined)
        headers['content-encoding'] = r.encoding.header;
    }
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (r.userAgent !== undefined) headers['user-agent'] = r.userAgent;
    if (r.forwardedFor !== undefined) headers['x-forwarded-for'] = r.forwardedFor;
    return { method, url, headers, body, endpoint: r.endpoint };
  });

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

/** Why an answer breaks the edge's contract, or `undefined` when it keeps it. */
function violation(req: FuzzRequest, status: number, body: string): string | undefined {
  if (status >= 500 && status !== 503) return `status ${status}`;
  if (status < 400) return undefined;
  // A path whose project segment is not digits is no ingest route: the ingest routes leave it to
  // the app's not-found handler (Fastify's own 404 body), by design of src/server/ingest/routes.ts.
  if (status === 404 && !/^\/api\/\d+\//.test(req.url)) return undefined;
  const reportEndpoint =
    req.endpoint === 'security' || req.endpoint === 'csp-report' || req.endpoint === 'nel';
  // Relay answers an unsupported media type of the browser report endpoints with an empty 415.
  if (reportEndpoint && status === 415 && body === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `status ${status} without a JSON body: ${JSON.stringify(body.slice(0, 200))}`;
  }
  const detail = (parsed as { detail?: unknown } | null)?.detail;
  if (typeof detail !== 'string') return `status ${status} body without a detail: ${body.slice(0, 200)}`;
  const causes = (parsed as { causes?: unknown }).causes;
  if (causes !== undefined && !(Array.isArray(causes) && causes.every((c) => typeof c === 'string')))
    return `status ${status} with malformed causes: ${body.slice(0, 200)}`;
  return undefined;
}

it(`answers ${RUNS} fuzzed ingest requests without a crash or a 5xx`, async () => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(request, async (req) => {
      const res = await vigil.app.inject({
        method: req.method as 'POST',
        url: req.url,
        headers: req.headers,
        payload: req.body,
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const problem = violation(req, res.statusCode, res.body);
      if (problem) throw new Error(`${req.method} ${req.url}: ${problem}`);
      if (unhandled.length > 0) throw new Error(`unhandled: ${String(unhandled[0])}`);
      if (errorLogs.length > 0) throw new Error(`error logged: ${errorLogs[0]!.slice(0, 500)}`);
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  // Everything accepted was processed (a crash in processing would have stopped the loop)...
  await vigil.flush();
  expect(unhandled).toEqual([]);
  expect(errorLogs).toEqual([]);
  console.info(
    `edge fuzz: ${RUNS} requests (seed ${SEED}), statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
}, 600_000);

it('still stores a valid envelope after the fuzz run', async () => {
  const id = crypto.randomUUID().replace(/-/g, '');
  const payload = JSON.stringify({ message: 'after the fuzz' });
  const res = await vigil.app.inject({
    method: 'POST',
    url: `/api/${projectId}/envelope/`,
    headers: { 'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${publicKey}` },
    payload: `{"event_id":"${id}"}\n{"type":"event","length":${payload.length}}\n${payload}\n`,
  });
  expect(res.statusCode).toBe(200);
  await vigil.flush();
  const rows = await vigil.clickhouse.client.query({
    query: `SELECT count() AS n FROM events WHERE event_id = toUUID('${id.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')}')`,
    format: 'JSONEachRow',
  });
  expect(await rows.json()).toEqual([{ n: 1 }]);
}, 60_000);
