import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SentryEvent } from '../../protocol/event.js';
import type { JsonValue } from '../../protocol/json.js';
import { scrubEvent } from './scrub-event.js';
import type { DataScrubbingSettings } from './settings.js';
import { LEGACY_OFF } from './test-helpers.js';

// Property tests: scrubbing never throws or mutates its input, whatever the event and config,
// and scrubbing twice with remove/replace rules changes nothing more than scrubbing once.

/**
 * Words and personal data, joined by ` ; ` so that redactions never create word boundaries and
 * Relay's IPv6 pattern, which consumes the character after an address, still finds the next one.
 */
const TOKENS = [
  'hello',
  'password',
  'secret',
  'a@b.io',
  'john.doe@example.com',
  '127.0.0.1',
  '::1',
  '2001:db8::1',
  '4111 1111 1111 1111',
  'DE89370400440532013000',
  '078-05-1120',
  'Bearer abc.def',
  'https://user:pw@host.io/x',
  '/home/jane/app.py',
  'C:\\Users\\jane\\file',
  '356938035643809',
  '4a:00:04:10:9b:50',
  'ceee0822-ed8f-4622-b2a3-789e73e75cd1',
  'foo',
  'bar',
  'true',
  '',
];

const text = fc.array(fc.constantFrom(...TOKENS), { maxLength: 4 }).map((words) => words.join(' ; '));
const key = fc.constantFrom(
  'password',
  'token',
  'email',
  'ip',
  'foo',
  'bar',
  'authorization',
  'api_key',
  'Cookie',
);

/**
 * Arrays other than two elements with a string first: Relay tries those as a key-value pair and,
 * when a rule changed the value, skips the key, which a second pass then scrubs.
 */
const notPair = <T>(item: fc.Arbitrary<T>) =>
  fc.array(item, { maxLength: 3 }).filter((a) => !(a.length === 2 && typeof a[0] === 'string'));

/** JSON without such arrays. */
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    notPair(tie('value')),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
})).value;

const pairs = fc.array(fc.tuple(key, text), { maxLength: 3 });

const event = fc.record(
  {
    extra: fc.dictionary(key, json, { maxKeys: 4 }),
    user: fc.record(
      {
        id: text,
        email: text,
        ip_address: fc.constantFrom('127.0.0.1', '::1', 'nope'),
        username: text,
        data: json,
      },
      { requiredKeys: [] },
    ),
    request: fc.record(
      { headers: pairs, cookies: pairs, env: fc.dictionary(key, text), data: json, url: text },
      { requiredKeys: [] },
    ),
    logentry: fc.record({ formatted: text, message: text, params: notPair(json) }, { requiredKeys: [] }),
    tags: pairs,
    culprit: text,
    exception: fc.record({
      values: fc.array(
        fc.record(
          {
            value: text,
            stacktrace: fc.record({
              frames: fc.array(
                fc.record(
                  {
                    abs_path: text,
                    filename: text,
                    module: text,
                    vars: fc.dictionary(key, json, { maxKeys: 3 }),
                  },
                  { requiredKeys: [] },
                ),
                { maxLength: 2 },
              ),
            }),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 2 },
      ),
    }),
    breadcrumbs: fc.record({
      values: fc.array(fc.record({ message: text, data: json }, { requiredKeys: [] }), { maxLength: 2 }),
    }),
    contexts: fc.dictionary(fc.constantFrom('os', 'custom', 'trace', 'response'), json, { maxKeys: 2 }),
    debug_meta: fc.record({
      images: fc.array(fc.record({ code_file: text, debug_file: text }), { maxLength: 1 }),
    }),
  },
  { requiredKeys: [] },
);

const SELECTORS = [
  '$string',
  '$number',
  '$object',
  '$array',
  '**',
  '$object.**',
  'extra.**',
  '$user.*',
  '$user.ip_address',
  '$http.headers.*',
  '$frame.abs_path || $frame.filename',
  '$frame.vars.**',
  'tags.*',
  'culprit',
  'debug_meta.images.*.code_file',
  '$logentry.formatted',
  '$error.value',
  '$breadcrumb.message',
  '!$string',
  '$string && !extra.**',
];

/** Rules that remove or replace (custom ones are defined in {@link CUSTOM_RULES}). */
const REPLACING_RULES = [
  '@ip',
  '@ip:remove',
  '@email',
  '@email:remove',
  '@creditcard',
  '@creditcard:filter',
  '@iban',
  '@pemkey',
  '@urlauth',
  '@urlauth:legacy',
  '@userpath',
  '@userpath:remove',
  '@password',
  '@password:filter',
  '@usssn:replace',
  '@imei',
  '@mac:replace',
  '@uuid:remove',
  '@bearer',
  '@anything',
  '@anything:remove',
  '@common',
  '@common:filter',
  'words',
  'pair',
  'both',
  'quiet',
];

const CUSTOM_RULES = {
  words: {
    type: 'pattern',
    pattern: '(?i)\\b(foo)|(bar)\\b',
    replaceGroups: [1, 2],
    redaction: { method: 'replace', text: '[w]' },
  },
  pair: { type: 'redact_pair', keyPattern: '(?i)^(token|email)$' },
  both: { type: 'multiple', rules: ['@email', 'words'], hideInner: true, redaction: { method: 'remove' } },
  quiet: { type: 'alias', rule: 'pair', hideInner: true },
  bearer: { type: 'bearer', redaction: { method: 'replace', text: 'Bearer [token]' } },
};

const applications = (rules: string[]) =>
  fc.dictionary(fc.constantFrom(...SELECTORS), fc.subarray(rules, { minLength: 1, maxLength: 3 }), {
    maxKeys: 3,
  });

const replacingConfig = applications(REPLACING_RULES).map((apps) => ({
  rules: CUSTOM_RULES,
  applications: apps,
}));

const anyConfig = fc.oneof(
  replacingConfig,
  applications([
    ...REPLACING_RULES,
    '@ip:hash',
    '@email:mask',
    '@anything:hash',
    '@mac',
    '@usssn',
    '@imei:mask',
  ]).map((apps) => ({ rules: CUSTOM_RULES, applications: apps })),
  fc.jsonValue(),
);

const legacy: fc.Arbitrary<DataScrubbingSettings> = fc.record({
  scrubData: fc.boolean(),
  scrubDefaults: fc.boolean(),
  sensitiveFields: fc.subarray(['foo', 'email', 'my.key']),
  excludeFields: fc.subarray(['foo', 'extra.bar', '$user.email']),
  scrubIpAddresses: fc.boolean(),
});

const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype);

describe('scrubbing properties', () => {
  it('never throws or mutates the input, for any event and config', () => {
    fc.assert(
      fc.property(
        fc.oneof(event, fc.dictionary(fc.string(), fc.jsonValue())),
        anyConfig,
        legacy,
        (input, piiConfig, settings) => {
          const before = structuredClone(input);
          const out = scrubEvent(input as SentryEvent, { ...settings, piiConfig });
          expect(typeof out).toBe('object');
          expect(input).toEqual(before);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is idempotent for remove and replace rules', () => {
    fc.assert(
      fc.property(event, replacingConfig, (input, piiConfig) => {
        const settings = { ...LEGACY_OFF, piiConfig };
        const once = scrubEvent(input as SentryEvent, settings);
        expect(scrubEvent(structuredClone(once), settings)).toEqual(once);
        expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(PROTOTYPE_KEYS);
      }),
      { numRuns: 300 },
    );
  });
});
