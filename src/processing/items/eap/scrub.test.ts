import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_SCRUBBING, type DataScrubbingSettings } from '../../pii/index.js';
import type { AttributeValue } from './attributes.js';
import { scrubTraceItem } from './scrub.js';

const str = (value: string): AttributeValue => ({ type: 'string', value });

/** The attributes of Relay's test_ourlog_extraction_default_pii_scrubbing_does_not_scrub_default_attributes, enriched. */
function logAttributes(): Map<string, AttributeValue> {
  return new Map<string, AttributeValue>([
    ['custom_field', str('custom_value')],
    ['sentry.observed_timestamp_nanos', str('1700000000000000000')],
    ['browser.name', str('Python Requests')],
    ['browser.version', str('2.32')],
    ['sentry.release', str('foo@1.0')],
    ['sentry.environment', str('production')],
  ]);
}

const ANYTHING_EVERYWHERE: DataScrubbingSettings = {
  ...DEFAULT_DATA_SCRUBBING,
  scrubIpAddresses: true,
  piiConfig: {
    rules: {
      remove_custom_field: { type: 'anything', redaction: { method: 'replace', text: '[REDACTED]' } },
    },
    applications: { '**': ['remove_custom_field'] },
  },
};

describe('scrubTraceItem', () => {
  it('replaces each user attribute value under ** and leaves Sentry default attributes and the body alone', () => {
    const attributes = logAttributes();
    const result = scrubTraceItem('log', 'Test log', attributes, ANYTHING_EVERYWHERE);
    expect(Object.fromEntries(attributes)).toEqual({
      ...Object.fromEntries(logAttributes()),
      custom_field: str('[REDACTED]'),
    });
    expect(result).toEqual({
      body: 'Test log',
      attributesMeta: {
        custom_field: { value: { '': { rem: [['remove_custom_field', 's', 0, 10]], len: 12 } } },
      },
    });
  });

  it('scrubs trace metric and span attributes the same way', () => {
    for (const itemType of ['trace_metric', 'span'] as const) {
      const attributes = logAttributes();
      const result = scrubTraceItem(itemType, undefined, attributes, ANYTHING_EVERYWHERE);
      expect(attributes.get('custom_field')).toEqual(str('[REDACTED]'));
      expect(attributes.get('sentry.release')).toEqual(str('foo@1.0'));
      expect(result.body).toBeUndefined();
      expect(Object.keys(result.attributesMeta)).toEqual(['custom_field']);
    }
  });

  it('drops an attribute whose value a rule removed, keeping its remark', () => {
    const attributes = new Map<string, AttributeValue>([
      ['count', { type: 'integer', value: 3 }],
      ['ratio', { type: 'double', value: 0.5 }],
      ['note', str('keep')],
    ]);
    const result = scrubTraceItem('span', undefined, attributes, {
      ...DEFAULT_DATA_SCRUBBING,
      piiConfig: { applications: { $number: ['@anything:remove'] } },
    });
    expect([...attributes]).toEqual([['note', str('keep')]]);
    expect(result.attributesMeta).toEqual({
      count: { value: { '': { rem: [['@anything:remove', 'x']] } } },
      ratio: { value: { '': { rem: [['@anything:remove', 'x']] } } },
    });
  });

  it('empties a removed body instead of keeping the original', () => {
    const result = scrubTraceItem('log', 'secret text', new Map(), {
      ...DEFAULT_DATA_SCRUBBING,
      piiConfig: { applications: { '$log.body': ['@anything:remove'] } },
    });
    expect(result.body).toBe('');
    expect(result.bodyMeta).toEqual({ '': { rem: [['@anything:remove', 'x']] } });
  });

  it('keeps array attributes typed, scrubbing their strings by index', () => {
    const attributes = new Map<string, AttributeValue>([
      ['cards', { type: 'array', value: ['foo', '4242424242424242', null] }],
    ]);
    const result = scrubTraceItem('log', 'body', attributes, DEFAULT_DATA_SCRUBBING);
    expect(attributes.get('cards')).toEqual({ type: 'array', value: ['foo', '[Filtered]', null] });
    expect(result.attributesMeta).toEqual({
      cards: { value: { '1': { '': { rem: [['@creditcard:filter', 's', 0, 10]], len: 16 } } } },
    });
  });

  it('scrubs an attribute named __proto__ as a plain key', () => {
    const attributes = new Map<string, AttributeValue>([['__proto__', str('my password')]]);
    const result = scrubTraceItem('log', 'body', attributes, DEFAULT_DATA_SCRUBBING);
    expect(attributes.get('__proto__')).toEqual(str('[Filtered]'));
    expect(Object.hasOwn(result.attributesMeta, '__proto__')).toBe(true);
    expect(Object.prototype).not.toHaveProperty('value');
  });

  it('changes nothing when scrubbing is off', () => {
    const attributes = logAttributes();
    const result = scrubTraceItem('log', 'a@b.io 4242424242424242', attributes, {
      ...DEFAULT_DATA_SCRUBBING,
      scrubData: false,
    });
    expect(result).toEqual({ body: 'a@b.io 4242424242424242', attributesMeta: {} });
    expect(attributes).toEqual(logAttributes());
  });
});
