import { describe, expect, it } from 'vitest';
import { scrubAttributeMap, type AttributeEntry } from './attributes.js';
import type { PiiLevel } from './selectors.js';
import { DEFAULT_DATA_SCRUBBING } from './settings.js';
import { LEGACY_OFF } from './test-helpers.js';

// Ported from relay-pii/src/eap.rs tests: test_scrub_attributes_pii_custom_object_rules,
// test_scrub_attributes_sensitive_fields, test_scrub_attributes_safe_fields,
// test_scrub_attributes_implicit_attribute_value and the attribute_rule_test! cases for @ip,
// @ip:replace, @ip:remove, @ip:mask, @email, @email:remove, @email:mask, @creditcard.

const str = (value: string): AttributeEntry => ({ type: 'string', value });
const rem = (rule: string, type: string, start: number, end: number, len: number) => ({
  value: { '': { rem: [[rule, type, start, end]], len } },
});

/** sentry-conventions' marks for the attributes the Relay tests use. */
const conventions = (key: string): PiiLevel | false =>
  key === 'sentry.release' ? false : key === 'url.path' ? 'maybe' : 'true';

describe('scrubbing attribute maps (eap.rs)', () => {
  it('applies advanced rules to <key>.value, respecting pii marks (test_scrub_attributes_pii_custom_object_rules)', () => {
    const attributes = {
      'sentry.description': str('secret123'),
      'user.name': str('secret123'),
      'sentry.release': str('secret123'),
      'url.path': str('secret123'),
      password: str('default_scrubbing_rules_are_off'),
      test_field_mac: str('4a:00:04:10:9b:50'),
      test_field_imei: str('356938035643809'),
      test_field_uuid: str('123e4567-e89b-12d3-a456-426614174000'),
      test_field_regex_passes: str('wxyz'),
      test_field_regex_fails: str('abc'),
    };
    const replace = (type: string, text: string) => ({ type, redaction: { method: 'replace', text } });
    const piiConfig = {
      rules: {
        'project:0': replace('mac', 'ITS_GONE'),
        'project:1': replace('imei', 'ITS_GONE'),
        'project:2': replace('uuid', 'BYE'),
        'project:3': {
          type: 'pattern',
          pattern: '[w-z]+',
          redaction: { method: 'replace', text: 'REGEXED' },
        },
        'project:4': replace('anything', '[USER NAME]'),
        'project:5': replace('anything', '[RELEASE]'),
        'project:6': replace('anything', '[URL PATH]'),
        'project:7': replace('anything', '[DESCRIPTION]'),
      },
      applications: {
        'test_field_mac.value': ['project:0'],
        'test_field_imei.value': ['project:1'],
        'test_field_uuid.value': ['project:2'],
        'test_field_regex_passes.value || test_field_regex_fails.value': ['project:3'],
        "'user.name'.value": ['project:4'],
        "'sentry.release'.value": ['project:5'],
        "'url.path'.value": ['project:6'],
        "'sentry.description'.value": ['project:7'],
      },
    };
    const out = scrubAttributeMap(
      attributes,
      { ...DEFAULT_DATA_SCRUBBING, scrubDefaults: false, piiConfig },
      { itemType: 'span', pii: conventions },
    );
    expect(out.attributes).toEqual({
      ...attributes,
      'sentry.description': str('[DESCRIPTION]'),
      'user.name': str('[USER NAME]'),
      'url.path': str('[URL PATH]'),
      test_field_mac: str('ITS_GONE'),
      test_field_imei: str('ITS_GONE'),
      test_field_uuid: str('BYE'),
      test_field_regex_passes: str('REGEXED'),
    });
    expect(out.meta).toEqual({
      'sentry.description': rem('project:7', 's', 0, 13, 9),
      test_field_imei: rem('project:1', 's', 0, 8, 15),
      test_field_mac: rem('project:0', 's', 0, 8, 17),
      test_field_regex_passes: rem('project:3', 's', 0, 7, 4),
      test_field_uuid: rem('project:2', 's', 0, 3, 36),
      'url.path': rem('project:6', 's', 0, 10, 9),
      'user.name': rem('project:4', 's', 0, 11, 9),
    });
  });

  it('filters sensitive fields by attribute name, never by the inner "value" key (test_scrub_attributes_sensitive_fields)', () => {
    const out = scrubAttributeMap(
      {
        normal_field: str('normal_data'),
        sensitive_custom: str('should_be_removed'),
        another_sensitive: { type: 'integer', value: 42 },
        my_value: str('this_should_be_removed_as_sensitive'),
      },
      {
        ...DEFAULT_DATA_SCRUBBING,
        scrubDefaults: false,
        sensitiveFields: ['value', 'sensitive_custom', 'another_sensitive'],
      },
    );
    expect(out.attributes).toEqual({
      normal_field: str('normal_data'),
      sensitive_custom: str('[Filtered]'),
      another_sensitive: { type: 'integer', value: null },
      my_value: str('[Filtered]'),
    });
    expect(out.meta).toEqual({
      another_sensitive: { value: { '': { rem: [['strip-fields', 'x']] } } },
      my_value: rem('strip-fields', 's', 0, 10, 35),
      sensitive_custom: rem('strip-fields', 's', 0, 10, 17),
    });
  });

  it('keeps safe fields (test_scrub_attributes_safe_fields)', () => {
    const out = scrubAttributeMap(
      { password: str('secret123'), credit_card: str('4242424242424242'), secret: str('this_should_stay') },
      { ...DEFAULT_DATA_SCRUBBING, excludeFields: ['secret'] },
    );
    expect(out.attributes).toEqual({
      password: str('[Filtered]'),
      credit_card: str('[Filtered]'),
      secret: str('this_should_stay'),
    });
    expect(out.meta).toEqual({
      credit_card: rem('@creditcard:filter', 's', 0, 10, 16),
      password: rem('@password:filter', 's', 0, 10, 9),
    });
  });

  it('addresses the value, not the attribute, by selector (test_scrub_attributes_implicit_attribute_value)', () => {
    const attributes = { remove_this_string_abc123: str('abc123') };
    const rules = {
      remove_abc123: { type: 'pattern', pattern: 'abc123', redaction: { method: 'replace', text: 'abc---' } },
    };
    const settings = (selector: string) => ({
      ...DEFAULT_DATA_SCRUBBING,
      piiConfig: { rules, applications: { [selector]: ['remove_abc123'] } },
    });
    expect(scrubAttributeMap(attributes, settings('remove_this_string_abc123')).attributes).toBe(attributes);
    const out = scrubAttributeMap(attributes, settings('remove_this_string_abc123.value'), {
      itemType: 'log',
    });
    expect(out.attributes).toEqual({ remove_this_string_abc123: str('abc---') });
    expect(out.meta).toEqual({ remove_this_string_abc123: rem('remove_abc123', 's', 0, 6, 6) });
  });

  it.each([
    ['@ip', '127.0.0.1', '[ip]', ['@ip', 's', 0, 4]],
    ['@ip:replace', '127.0.0.1', '[ip]', ['@ip:replace', 's', 0, 4]],
    ['@ip:remove', '127.0.0.1', '', ['@ip:remove', 'x', 0, 0]],
    ['@ip:mask', '127.0.0.1', '*********', ['@ip:mask', 'm', 0, 9]],
    ['@email', 'test@example.com', '[email]', ['@email', 's', 0, 7]],
    ['@email:remove', 'test@example.com', '', ['@email:remove', 'x', 0, 0]],
    ['@email:mask', 'test@example.com', '****************', ['@email:mask', 'm', 0, 16]],
    ['@creditcard', '4242424242424242', '[creditcard]', ['@creditcard', 's', 0, 12]],
  ])('applies %s on $string to an attribute value (attribute_rule_test!)', (rule, value, output, remark) => {
    const key = `${rule}|${value}`;
    for (const itemType of ['span', 'log']) {
      const out = scrubAttributeMap(
        { [key]: str(value) },
        { ...LEGACY_OFF, scrubData: true, piiConfig: { applications: { $string: [rule] } } },
        { itemType },
      );
      expect(out.attributes).toEqual({ [key]: str(output) });
      expect(out.meta).toEqual({ [key]: { value: { '': { rem: [remark], len: value.length } } } });
    }
  });

  it('reaches an attribute through the item type and leaves sentry.* attributes alone by default', () => {
    const attributes = { 'sentry.release': str('1.0 a@b.io'), 'user.email': str('a@b.io') };
    const out = scrubAttributeMap(attributes, {
      ...LEGACY_OFF,
      piiConfig: { applications: { '$log.**': ['@email'] } },
    });
    expect(out.attributes).toEqual({ 'sentry.release': str('1.0 a@b.io'), 'user.email': str('[email]') });
  });
});
