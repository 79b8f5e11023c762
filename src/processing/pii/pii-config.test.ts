import { describe, expect, it } from 'vitest';
import { PiiConfigError, compilePiiConfig, parsePiiConfig, parsePiiConfigStrict } from './pii-config.js';
import { compileRustRegex } from './rust-regex.js';
import { scrubString } from './test-helpers.js';

// Ported from relay-pii/src/redactions.rs tests (test_redaction_deser_method,
// test_redaction_deser_other) and relay-pii/src/compiledconfig.rs semantics (`collect_rules`,
// `RuleRef::for_parent`), plus the errors this parser adds (Relay: relay-cabi
// `validate_pii_config` rejects configs that do not deserialize or whose reachable regexes do
// not compile).

const issuesOf = (input: unknown) => parsePiiConfig(input).issues;

describe('parsing a PII config (config.rs, redactions.rs)', () => {
  it('parses rules, vars and applications', () => {
    const config = parsePiiConfigStrict({
      rules: {
        a: {
          type: 'pattern',
          pattern: 'foo',
          replaceGroups: [1, 0],
          redaction: { method: 'replace', text: '[filter]' },
        },
        b: { type: 'redactPair', keyPattern: 'secret' },
        c: { type: 'multiple', rules: ['a', '@ip'], hideInner: true, redaction: { method: 'hash' } },
        d: { type: 'alias', rule: 'c' },
        e: { type: 'imei', redaction: { method: 'replace' } },
      },
      vars: { hashKey: 'k' },
      applications: { $string: ['a', 'b'], freeform: ['d'] },
    });
    expect(config.rules).toEqual({
      a: {
        type: 'pattern',
        pattern: 'foo',
        replaceGroups: [1, 0],
        redaction: { method: 'replace', text: '[filter]' },
      },
      b: { type: 'redact_pair', keyPattern: 'secret', redaction: { method: 'default' } },
      c: { type: 'multiple', rules: ['a', '@ip'], hideInner: true, redaction: { method: 'hash' } },
      d: { type: 'alias', rule: 'c', hideInner: false, redaction: { method: 'default' } },
      // `text` defaults to `[Filtered]`.
      e: { type: 'imei', redaction: { method: 'replace', text: '[Filtered]' } },
    });
    expect(config.hashKey).toBe('k');
    // The legacy selector `freeform` stands for `$string`.
    expect(config.applications.map((a) => a.selector)).toEqual([
      { kind: 'path', items: [{ kind: 'type', type: 'string' }] },
      { kind: 'path', items: [{ kind: 'type', type: 'string' }] },
    ]);
  });

  it('accepts the JSON text and an empty config', () => {
    expect(issuesOf('{"applications": {"$string": ["@ip"]}}')).toEqual([]);
    expect(issuesOf({})).toEqual([]);
    expect(issuesOf(null)).toEqual([]);
  });

  it('reports every problem with its path', () => {
    expect(
      issuesOf({
        rules: {
          r1: { type: 'pattern', pattern: '(unclosed' },
          r2: { type: 'email', redaction: { method: 'foo', text: '[filter]' } },
          r3: { type: 'urlauth' },
          r4: { type: 'redact_pair' },
          r5: { type: 'multiple', rules: ['nope'] },
          r6: { type: 'pattern', pattern: '(?=x)y' },
          r7: { type: 'pattern', pattern: 'x', replaceGroups: [300] },
        },
        vars: { hashKey: 3 },
        applications: {
          '$string &&': ['@ip'],
          $unknown: ['@ip'],
          'a.**.b.**': ['@ip'],
          $string: 'r1',
          $number: ['gone'],
        },
      }).map((issue) => issue.path),
    ).toEqual([
      'rules.r1.pattern',
      'rules.r2.redaction.method',
      'rules.r3.type',
      'rules.r4.keyPattern',
      'rules.r6.pattern',
      'rules.r7.replaceGroups',
      'rules.r5',
      'vars.hashKey',
      'applications["$string &&"]',
      'applications["$unknown"]',
      'applications["a.**.b.**"]',
      'applications["$string"]',
      'applications["$number"]',
    ]);
    expect(issuesOf('nope')[0]?.message).toMatch(/^not JSON/);
    expect(issuesOf([])[0]?.message).toMatch(/expected an object/);
    const unknownType = issuesOf({ rules: { r: { type: 'urlauth' } } })[0]?.message;
    expect(unknownType).toContain('unknown rule type "urlauth"');
    expect(unknownType).toContain('url_auth');
    expect(issuesOf({ applications: { 'a.**.b.**': [] } })[0]?.message).toContain(
      'deep wildcard used more than once',
    );
    expect(issuesOf({ applications: { '* && foo': [] } })[0]?.message).toContain(
      'wildcard must be part of a path',
    );
  });

  it('throws a PiiConfigError listing the issues in strict mode', () => {
    expect(() => parsePiiConfigStrict({ rules: { r: { type: 'pattern', pattern: '[' } } })).toThrow(
      PiiConfigError,
    );
    try {
      parsePiiConfigStrict({ applications: { '!!a': ['@ip'] } });
    } catch (error) {
      expect((error as PiiConfigError).issues).toHaveLength(1);
      expect((error as PiiConfigError).message).toMatch(
        /^invalid PII config: applications\["!!a"\]: invalid selector/,
      );
    }
  });

  it('removes with an unknown redaction method (fails closed, as current Relay)', () => {
    const config = {
      rules: { r: { type: 'email', redaction: { method: 'encrypt' } } },
      applications: { $string: ['r'] },
    };
    expect(scrubString('mail a@b.io', config)).toEqual({ value: 'mail ', remarks: [['r', 'x', 5, 5]] });
  });
});

describe('compiling a PII config (compiledconfig.rs)', () => {
  const compiled = (input: unknown) =>
    compilePiiConfig(parsePiiConfig(input).config).applications.map((application) =>
      application.rules.map((rule) => [rule.id, rule.redaction.kind]),
    );

  it('expands @common into its members, each reporting its own id', () => {
    expect(compiled({ applications: { $string: ['@common'] } })).toEqual([
      [
        ['@creditcard', 'replace'],
        ['@email', 'replace'],
        ['@iban', 'replace'],
        ['@ip', 'replace'],
        ['@password', 'remove'],
        ['@pemkey', 'replace'],
        ['@urlauth', 'replace'],
        // Sorted by the id of the rule reached (`@userpath:replace` < `@usssn:mask`).
        ['@userpath', 'replace'],
        ['@usssn', 'mask'],
      ],
    ]);
  });

  it('reports the outer id with hideInner and passes a non-default redaction down', () => {
    expect(
      compiled({
        rules: {
          outer: {
            type: 'multiple',
            rules: ['@email', '@ip:replace'],
            hideInner: true,
            redaction: { method: 'hash' },
          },
          quiet: { type: 'alias', rule: '@email:mask', hideInner: true },
          loud: { type: 'alias', rule: '@email:mask' },
        },
        applications: { $string: ['outer'], $number: ['quiet'], $boolean: ['loud'] },
      }),
    ).toEqual([
      [
        ['outer', 'hash'],
        ['outer', 'hash'],
      ],
      [['quiet', 'mask']],
      [['@email:mask', 'mask']],
    ]);
  });

  it('lets custom ids shadow built-in ones and skips unknown ids', () => {
    expect(
      compiled({
        rules: { '@ip': { type: 'ip', redaction: { method: 'remove' } } },
        applications: { $string: ['@ip', 'missing'] },
      }),
    ).toEqual([[['@ip', 'remove']]]);
  });

  it('orders selectors like Relay (And < Or < Not < Path; types in ValueType order)', () => {
    const config = parsePiiConfig({
      applications: {
        'extra.foo': ['@ip'],
        '$object.**': ['@ip'],
        '!$string': ['@ip'],
        '$string || $number': ['@ip'],
        '$string && $number': ['@ip'],
        $string: ['@ip'],
        '$http.*': ['@ip'],
      },
    }).config;
    const order = compilePiiConfig(config).applications.map(
      (application) => config.applications.find((a) => a.selector === application.selector)?.text,
    );
    expect(order).toEqual([
      '$string && $number',
      '$string || $number',
      '!$string',
      '$string',
      '$object.**',
      '$http.*',
      'extra.foo',
    ]);
  });
});

describe('Rust regex syntax (config.rs LazyPattern)', () => {
  it.each([
    ['(?i)cookie|secret[-_]?key', 'SECRET_KEY', true],
    ['(?x) foo \\  bar # comment', 'foo bar', true],
    ['(?P<name>a+)b', 'aab', true],
    ['[[:digit:]]{3}', 'a123', true],
    ['\\Afoo\\z', 'foo', true],
    ['\\Afoo\\z', 'foo\n', false],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['[]a]', ']', true],
  ])('%s on %j: %s', (pattern, text, expected) => {
    const compiled = compileRustRegex(pattern);
    expect(compiled.ok).toBe(true);
    if (compiled.ok)
      expect(new RegExp(compiled.regex.source, compiled.regex.flags.replace('g', '')).test(text)).toBe(
        expected,
      );
  });

  it.each([
    ['(?=a)', 'look-around'],
    ['(?<!a)b', 'look-around'],
    ['(a)\\1', 'backreferences'],
    ['a(?i)b', 'inline flags'],
    ['\\p{L}', 'Unicode classes'],
    ['(?U)a+', 'unsupported inline flag'],
    ['(', 'Invalid regular expression'],
    ['[[:nope:]]', 'unsupported class'],
  ])('rejects %s', (pattern, message) => {
    const compiled = compileRustRegex(pattern);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.error).toContain(message);
  });
});
