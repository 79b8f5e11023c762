import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BEARER,
  CREDITCARD,
  EMAIL,
  IBAN,
  IPV4,
  IPV6,
  PEM_KEY,
  URL_AUTH_LEGACY,
  US_SSN,
  USER_PATH,
  type Pattern,
} from './patterns.js';

/** Each pattern with pieces that, glued together at random, often form (near-)matches of it. */
const PATTERNS: [string, Pattern, string[]][] = [
  [
    'creditcard',
    CREDITCARD,
    ['4111', '1111', '3782', '822463', '10005', '37', '34', '371', '6011', '65', '1', '-', ' '],
  ],
  [
    'iban',
    IBAN,
    ['DE', 'GB', 'de', 'Gb', 'NL', '89', '12', '370400440532013000', 'WEST1234569876', 'ABNA04', ' ', '-'],
  ],
  [
    'pemkey',
    PEM_KEY,
    ['-----BEGIN', '-----END', ' RSA', ' PRIVATE KEY-----', ' PUBLIC KEY-----', 'MII', '\n', '\r\n', ' '],
  ],
  [
    'urlauth',
    URL_AUTH_LEGACY,
    ['http:', '//', 'user', ':', 'pass', '@', 'host', '%', '.', '-', ' ', 'ftp://a:b@', '//u.x:p%20@'],
  ],
  [
    'userpath',
    USER_PATH,
    ['/Users/', '/home/', 'C:\\Users\\', 'Documents and Settings\\', '\\Profiles\\', 'alice', '/'],
  ],
  ['usssn', US_SSN, ['123', '45', '6789', '078', '05', '1120', '-', ' ', '1', '123-45-6789', '12-34-']],
  ['email', EMAIL, ['a', 'b.c', '+tag', '@', 'example', '.com', '.', '-', ' ', '_']],
  ['ipv4', IPV4, ['10', '0', '255', '192', '168', '.', ' ', '1', '300', '10.0.0.1', '1.2.']],
  ['ipv6', IPV6, ['fe80', '::', ':', '%eth0', 'ffff', 'db8', '2001', '1', ' ', '10.0.0.1']],
  ['bearer', BEARER, ['Bearer', 'bearer', 'BEARER', ' ', '\t', 'token', 'x']],
];

/** Strings built from `fragments` (mostly) and arbitrary characters. */
function textFrom(fragments: string[]): fc.Arbitrary<string> {
  const piece = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...fragments) },
    fc.string({ maxLength: 3 }),
  );
  return fc.array(piece, { minLength: 1, maxLength: 14 }).map((parts) => parts.join(''));
}

function regexMatches(pattern: Pattern, value: string): boolean {
  pattern.regex.lastIndex = 0;
  return pattern.regex.test(value);
}

describe('pattern hints are necessary conditions of their regexes', () => {
  it.each(PATTERNS)(
    '%s: the hint matches whenever the regex does (property)',
    (_name, pattern, fragments) => {
      const hint = pattern.hint;
      expect(hint).toBeDefined();
      if (!hint) return;
      expect(hint.global || hint.sticky).toBe(false);
      let matched = 0;
      fc.assert(
        fc.property(textFrom(fragments), (value) => {
          if (!regexMatches(pattern, value)) return;
          matched++;
          expect(hint.test(value)).toBe(true);
        }),
        { numRuns: 3000, seed: 42 },
      );
      // Not vacuous: the generator produces real matches for every pattern.
      expect(matched).toBeGreaterThan(10);
    },
  );

  it.each([
    ['4111 1111 1111 1111'],
    ['4111-1111-1111-1111'],
    ['card 5105105105105100 expires'],
    ['3782 822463 10005'],
    // Amex with a separator right after the 3-digit prefix and no 4-digit run starting 3–6:
    // the former hint (`[3-6]\d{3}`) skipped these, though the regex matches them.
    ['371-1111-1111-1111'],
    ['347 1 2 1 2 1 2 1 2 1 2 1 2'],
  ])('creditcard: %j matches both the regex and the hint', (value) => {
    expect(regexMatches(CREDITCARD, value)).toBe(true);
    expect(CREDITCARD.hint?.test(value)).toBe(true);
  });

  it('creditcard: numbers too short for a card fail the hint', () => {
    for (const value of ['4111 1111 1111', '2024-01-01T00:00:00Z', '1795242335.89', 'order 1029']) {
      expect(CREDITCARD.hint?.test(value)).toBe(false);
      expect(regexMatches(CREDITCARD, value)).toBe(false);
    }
  });

  it('email: an address deep inside a long string passes the hint', () => {
    const value = `${'lorem ipsum '.repeat(200)}mail bob.smith+tag@example.co.uk today ${'x'.repeat(500)}`;
    expect(regexMatches(EMAIL, value)).toBe(true);
    expect(EMAIL.hint?.test(value)).toBe(true);
    expect(EMAIL.hint?.test('user@')).toBe(false);
  });

  it('pemkey: a key spread over several lines passes the hint', () => {
    const value = [
      'config:',
      '-----BEGIN RSA PRIVATE KEY-----',
      'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu',
      'KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==',
      '-----END RSA PRIVATE KEY-----',
    ].join('\r\n');
    expect(regexMatches(PEM_KEY, value)).toBe(true);
    expect(PEM_KEY.hint?.test(value)).toBe(true);
  });

  it('iban, ssn, urlauth, bearer and ip hints accept their canonical examples', () => {
    const examples: [Pattern, string][] = [
      [IBAN, 'pay to DE89370400440532013000 please'],
      [US_SSN, 'ssn 078-05-1120.'],
      [URL_AUTH_LEGACY, 'postgres://admin:hunter2@db:5432/app'],
      [BEARER, 'authorization: BEARER abc.def'],
      [IPV4, 'from 10.0.0.1'],
      [IPV6, 'from fe80::1%eth0 on'],
      [USER_PATH, 'C:\\Documents and Settings\\bob\\x'],
    ];
    for (const [pattern, value] of examples) {
      expect(regexMatches(pattern, value)).toBe(true);
      expect(pattern.hint?.test(value)).toBe(true);
    }
  });
});
