import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from './builtin.js';
import { scrubString, scrubWithConfig } from './test-helpers.js';

// Ported from relay-pii/src/builtin.rs tests: test_ipv4, test_ipv6, test_imei, test_mac,
// test_uuid, test_email, test_iban_different_rules, test_iban_scrubbing_word_boundaries,
// test_invalid_iban_codes, test_valid_iban_codes, test_creditcard, test_pemkey, test_urlauth,
// test_usssn, test_userpath, test_builtin_rules_completeness. `assert_text_rule` applies a
// built-in rule to `$string`; `assert_custom_rulespec` defines rule "0" with the same type and
// method (replace: Relay's default text `[Filtered]`).

/** `assert_text_rule`: the built-in `rule` applied to `$string`. */
const textRule = (rule: string, input: string) => scrubString(input, { applications: { $string: [rule] } });

/** `assert_custom_rulespec`: a custom rule "0" of the same type and redaction method. */
const customRule = (rule: string, input: string) => {
  const [type, method] = rule.slice(1).split(':');
  return scrubString(input, {
    rules: { '0': { type, redaction: { method } } },
    applications: { $string: ['0'] },
  });
};

type Case = [
  rule: string,
  input: string,
  output: string,
  remark: [string, string, number, number] | undefined,
];

const CASES: Record<string, Case[]> = {
  ipv4: [
    ['@ip', 'before 127.0.0.1 after', 'before [ip] after', ['@ip', 's', 7, 11]],
    ['@ip:replace', 'before 127.0.0.1 after', 'before [ip] after', ['@ip:replace', 's', 7, 11]],
    [
      '@ip:hash',
      'before 127.0.0.1 after',
      'before AE12FE3B5F129B5CC4CDD2B136B7B7947C4D2741 after',
      ['@ip:hash', 'p', 7, 47],
    ],
  ],
  ipv6: [
    ['@ip', 'before ::1 after', 'before [ip] after', ['@ip', 's', 7, 11]],
    ['@ip:replace', '[2001:0db8:85a3:0000:0000:8a2e:0370:7334]', '[[ip]]', ['@ip:replace', 's', 1, 5]],
    [
      '@ip:hash',
      'before 2001:0db8:85a3:0000:0000:8a2e:0370:7334 after',
      'before 8C3DC9BEED9ADE493670547E24E4E45EDE69FF03 after',
      ['@ip:hash', 'p', 7, 47],
    ],
    ['@ip', 'foo::1', 'foo::1', undefined],
  ],
  imei: [
    ['@imei', 'before 356938035643809 after', 'before [imei] after', ['@imei', 's', 7, 13]],
    ['@imei:replace', 'before 356938035643809 after', 'before [imei] after', ['@imei:replace', 's', 7, 13]],
    [
      '@imei:hash',
      'before 356938035643809 after',
      'before 3888108AA99417402969D0B47A2CA4ECD2A1AAD3 after',
      ['@imei:hash', 'p', 7, 47],
    ],
  ],
  mac: [
    ['@mac', 'ether 4a:00:04:10:9b:50', 'ether *****************', ['@mac', 'm', 6, 23]],
    ['@mac:mask', 'ether 4a:00:04:10:9b:50', 'ether *****************', ['@mac:mask', 'm', 6, 23]],
    ['@mac:replace', 'ether 4a:00:04:10:9b:50', 'ether [mac]', ['@mac:replace', 's', 6, 11]],
    [
      '@mac:hash',
      'ether 4a:00:04:10:9b:50',
      'ether 6220F3EE59BF56B32C98323D7DE43286AAF1F8F1',
      ['@mac:hash', 'p', 6, 46],
    ],
  ],
  uuid: [
    [
      '@uuid',
      'user id ceee0822-ed8f-4622-b2a3-789e73e75cd1',
      'user id ************************************',
      ['@uuid', 'm', 8, 44],
    ],
    [
      '@uuid:mask',
      'user id ceee0822-ed8f-4622-b2a3-789e73e75cd1',
      'user id ************************************',
      ['@uuid:mask', 'm', 8, 44],
    ],
    [
      '@uuid:hash',
      'user id ceee0822-ed8f-4622-b2a3-789e73e75cd1',
      'user id EBFA4DBDAA4A619F10B6DE2ABB630DE0122F5CDB',
      ['@uuid:hash', 'p', 8, 48],
    ],
    [
      '@uuid:replace',
      'user id ceee0822-ed8f-4622-b2a3-789e73e75cd1',
      'user id [uuid]',
      ['@uuid:replace', 's', 8, 14],
    ],
  ],
  email: [
    ['@email', 'John Appleseed <john@appleseed.com>', 'John Appleseed <[email]>', ['@email', 's', 16, 23]],
    [
      '@email:replace',
      'John Appleseed <john@appleseed.com>',
      'John Appleseed <[email]>',
      ['@email:replace', 's', 16, 23],
    ],
    [
      '@email:mask',
      'John Appleseed <john@appleseed.com>',
      'John Appleseed <******************>',
      ['@email:mask', 'm', 16, 34],
    ],
    [
      '@email:hash',
      'John Appleseed <john@appleseed.com>',
      'John Appleseed <33835528AC0FFF1B46D167C35FEAAA6F08FD3F46>',
      ['@email:hash', 'p', 16, 56],
    ],
  ],
  iban: [
    ['@iban', 'some iban: DE89370400440532013000!', 'some iban: [iban]!', ['@iban', 's', 11, 17]],
    [
      '@iban:mask',
      'some iban: DE89370400440532013000!',
      'some iban: **********************!',
      ['@iban:mask', 'm', 11, 33],
    ],
    [
      '@iban:replace',
      'some iban: DE89370400440532013000!',
      'some iban: [iban]!',
      ['@iban:replace', 's', 11, 17],
    ],
    [
      '@iban:hash',
      'some iban: DE89370400440532013000!',
      'some iban: 8A1248B6F40D38FBC59ADE6AD0DF69C7BB9C936A!',
      ['@iban:hash', 'p', 11, 51],
    ],
    ['@iban', 'some iban: NO9386011117945!', 'some iban: [iban]!', ['@iban', 's', 11, 17]],
    ['@iban', 'fooNO9386011117945bar', 'fooNO9386011117945bar', undefined],
    ['@iban', 'some iban: NO938601111794!', 'some iban: NO938601111794!', undefined],
    ['@iban', 'some iban: RU0204452560040702810412345678901!', 'some iban: [iban]!', ['@iban', 's', 11, 17]],
    [
      '@iban',
      'some iban: RU02044525600407028104123456789010!',
      'some iban: RU02044525600407028104123456789010!',
      undefined,
    ],
    ['@iban', 'some iban: N19386011117945!', 'some iban: N19386011117945!', undefined],
  ],
  creditcard: [
    [
      '@creditcard',
      'John Appleseed 4571234567890111!',
      'John Appleseed [creditcard]!',
      ['@creditcard', 's', 15, 27],
    ],
    [
      '@creditcard',
      'John Appleseed 4571 2345 6789 0111!',
      'John Appleseed [creditcard]!',
      ['@creditcard', 's', 15, 27],
    ],
    [
      '@creditcard:mask',
      'John Appleseed 4571234567890111!',
      'John Appleseed ****************!',
      ['@creditcard:mask', 'm', 15, 31],
    ],
    [
      '@creditcard:replace',
      'John Appleseed 4571234567890111!',
      'John Appleseed [creditcard]!',
      ['@creditcard:replace', 's', 15, 27],
    ],
    [
      '@creditcard:hash',
      'John Appleseed 4571234567890111!',
      'John Appleseed 68C796A9ED3FB51BF850A11140FCADD8E2D88466!',
      ['@creditcard:hash', 'p', 15, 55],
    ],
  ],
  urlauth: [
    [
      '@urlauth',
      'https://username:password@example.com/',
      'https://[auth]@example.com/',
      ['@urlauth', 's', 8, 14],
    ],
    [
      '@urlauth:replace',
      'https://username:password@example.com/',
      'https://[auth]@example.com/',
      ['@urlauth:replace', 's', 8, 14],
    ],
    [
      '@urlauth:hash',
      'https://username:password@example.com/',
      'https://2F82AB8A5E3FAD655B5F81E3BEA30D2A14FEF2AC@example.com/',
      ['@urlauth:hash', 'p', 8, 48],
    ],
  ],
  usssn: [
    [
      '@usssn',
      "Hi I'm Hilda and my SSN is 078-05-1120",
      "Hi I'm Hilda and my SSN is ***********",
      ['@usssn', 'm', 27, 38],
    ],
    [
      '@usssn:mask',
      "Hi I'm Hilda and my SSN is 078-05-1120",
      "Hi I'm Hilda and my SSN is ***********",
      ['@usssn:mask', 'm', 27, 38],
    ],
    [
      '@usssn:replace',
      "Hi I'm Hilda and my SSN is 078-05-1120",
      "Hi I'm Hilda and my SSN is [us-ssn]",
      ['@usssn:replace', 's', 27, 35],
    ],
    [
      '@usssn:hash',
      "Hi I'm Hilda and my SSN is 078-05-1120",
      "Hi I'm Hilda and my SSN is 01328BB9C55B35F354FBC7B60CADAC789DC2035C",
      ['@usssn:hash', 'p', 27, 67],
    ],
  ],
  userpath: [
    ['@userpath', 'C:\\Users\\mitsuhiko\\Desktop', 'C:\\Users\\[user]\\Desktop', ['@userpath', 's', 9, 15]],
    [
      '@userpath',
      'make\n            export PATH=$PATH:$HOME/collectd_exporter\n            log\n',
      'make\n            export PATH=$PATH:$HOME/[user]\n            log\n',
      ['@userpath', 's', 41, 47],
    ],
    [
      '@userpath:replace',
      'File in /Users/mitsuhiko/Development/sentry-stripping',
      'File in /Users/[user]/Development/sentry-stripping',
      ['@userpath:replace', 's', 15, 21],
    ],
    [
      '@userpath:replace',
      'C:\\Windows\\Profiles\\Armin\\Temp',
      'C:\\Windows\\Profiles\\[user]\\Temp',
      ['@userpath:replace', 's', 20, 26],
    ],
    [
      '@userpath:hash',
      'File in /Users/mitsuhiko/Development/sentry-stripping',
      'File in /Users/A8791A1A8D11583E0200CC1B9AB971B4D78B8A69/Development/sentry-stripping',
      ['@userpath:hash', 'p', 15, 55],
    ],
  ],
  // relay-pii attribute tests `test_scrub_attributes_pii_string_rules_bearer*`.
  bearer: [
    ['@bearer', 'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9', 'Bearer [token]', ['@bearer', 's', 0, 14]],
    [
      '@bearer:replace',
      'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9',
      'Bearer [token]',
      ['@bearer:replace', 's', 0, 14],
    ],
  ],
};

describe('built-in rules (builtin.rs)', () => {
  for (const [family, cases] of Object.entries(CASES)) {
    it.each(cases)(`${family}: %s on %j`, (rule, input, output, remark) => {
      expect(textRule(rule, input)).toEqual({ value: output, remarks: remark ? [remark] : [] });
    });
  }

  it.each([
    ['@ip:replace', 'before 127.0.0.1 after', 'before [Filtered] after', ['0', 's', 7, 17]],
    [
      '@ip:hash',
      'before 127.0.0.1 after',
      'before AE12FE3B5F129B5CC4CDD2B136B7B7947C4D2741 after',
      ['0', 'p', 7, 47],
    ],
    ['@ip:replace', '[2001:0db8:85a3:0000:0000:8a2e:0370:7334]', '[[Filtered]]', ['0', 's', 1, 11]],
    ['@imei:replace', 'before 356938035643809 after', 'before [Filtered] after', ['0', 's', 7, 17]],
    ['@mac:mask', 'ether 4a:00:04:10:9b:50', 'ether *****************', ['0', 'm', 6, 23]],
    ['@mac:replace', 'ether 4a:00:04:10:9b:50', 'ether [Filtered]', ['0', 's', 6, 16]],
    [
      '@uuid:replace',
      'user id ceee0822-ed8f-4622-b2a3-789e73e75cd1',
      'user id [Filtered]',
      ['0', 's', 8, 18],
    ],
    [
      '@email:replace',
      'John Appleseed <john@appleseed.com>',
      'John Appleseed <[Filtered]>',
      ['0', 's', 16, 26],
    ],
    [
      '@email:mask',
      'John Appleseed <john@appleseed.com>',
      'John Appleseed <******************>',
      ['0', 'm', 16, 34],
    ],
    ['@iban:replace', 'some iban: DE89370400440532013000!', 'some iban: [Filtered]!', ['0', 's', 11, 21]],
    [
      '@creditcard:replace',
      'John Appleseed 4571234567890111!',
      'John Appleseed [Filtered]!',
      ['0', 's', 15, 25],
    ],
  ])('custom rule "0" like %s on %j', (rule, input, output, remark) => {
    expect(customRule(rule, input)).toEqual({ value: output, remarks: [remark] });
  });

  it('replaces every valid IBAN (test_valid_iban_codes)', () => {
    for (const iban of [
      'AD5878942710639732891555',
      'AE843009416531083386439',
      'AZ20NABZ32222583861167817527',
      'BR6012720184945313263694220C2',
      'DE33286483480880127754',
      'FR1014777374033381713M74535',
      'GB24NWBK56308374074647',
      'LC66HEMM254988987389111701748958',
      'MT51MALT379454641617MTLCAST058S',
      'NO9058068238671',
      'SC23SSCB28695826925340049496USD',
      'XK074179726503194891',
    ]) {
      expect(textRule('@iban', `some iban: ${iban}!`)).toEqual({
        value: 'some iban: [iban]!',
        remarks: [['@iban', 's', 11, 17]],
      });
    }
  });

  it('filters the body of a PEM key (test_pemkey)', () => {
    const key =
      'This is a comment I left on my key\n\n            -----BEGIN EC PRIVATE KEY-----\nMIHbAgEBBEFbLvIaAaez3q0u6BQYMHZ28B7iSdMPPaODUMGkdorl3ShgTbYmzqGL\nfojr3jkJIxFS07AoLQpsawOFZipxSQHieaAHBgUrgQQAI6GBiQOBhgAEAdaBHsBo\nKBuPVQL2F6z57Xb034TRlpaarne/XGWaCsohtl3YYcFll3A7rV+wHudcKFSvrgjp\nsoH5cUhpnhOL9ujuAM7Ldk1G+11Mf7EZ5sjrLe81fSB8S16D2vjtxkf/+mmwwhlM\nHdmUCGvfKiF2CodxyLon1XkK8pX+Ap86MbJhluqK\n-----END EC PRIVATE KEY-----';
    const head = 'This is a comment I left on my key\n\n            -----BEGIN EC PRIVATE KEY-----\n';
    expect(textRule('@pemkey', key)).toEqual({
      value: `${head}[pemkey]\n-----END EC PRIVATE KEY-----`,
      remarks: [['@pemkey', 's', 79, 87]],
    });
    expect(textRule('@pemkey:hash', key)).toEqual({
      value: `${head}291134FEC77C62B11E2DC6D89910BB43157294BC\n-----END EC PRIVATE KEY-----`,
      remarks: [['@pemkey:hash', 'p', 79, 119]],
    });
  });

  it('defines every rule type with every method the UI offers (test_builtin_rules_completeness)', () => {
    const types = [
      'creditcard',
      'password',
      'ip',
      'imei',
      'email',
      'uuid',
      'pemkey',
      'urlauth',
      'usssn',
      'userpath',
      'mac',
      'anything',
    ];
    for (const type of types) {
      for (const method of ['mask', 'remove', 'hash', 'replace'])
        expect(BUILTIN_RULES.has(`@${type}:${method}`)).toBe(true);
    }
  });

  it('keeps Relay quirks: @imei:mask hashes, @password removes', () => {
    expect(textRule('@imei:mask', 'before 356938035643809 after').value).toBe(
      'before 3888108AA99417402969D0B47A2CA4ECD2A1AAD3 after',
    );
    const out = scrubWithConfig(
      { extra: { password: 'hunter2' } },
      { applications: { $string: ['@password'] } },
    );
    expect(out.extra).toEqual({ password: null });
    expect(out._meta).toEqual({ extra: { password: { '': { rem: [['@password', 'x']] } } } });
  });
});
