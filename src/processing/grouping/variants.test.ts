import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SentryEvent } from '../../protocol/event.js';
import { deriveTitleInfo } from './title.js';
import { computeGrouping, type GroupingVariant } from './variants.js';

const md5 = (...values: string[]): string => createHash('md5').update(values.join('')).digest('hex');

function variant(result: { variants: GroupingVariant[] }, key: string): GroupingVariant {
  const found = result.variants.find((v) => v.key === key);
  if (found === undefined) throw new Error(`no ${key} variant`);
  return found;
}

const pythonError: SentryEvent = {
  platform: 'python',
  transaction: '/checkout',
  tags: [['env', 'prod']],
  exception: {
    values: [
      {
        type: 'ValueError',
        value: 'bad order 12345',
        stacktrace: {
          frames: [
            { function: 'run', module: 'worker', filename: 'worker.py', in_app: true },
            { function: 'checkout', module: 'shop.views', filename: 'shop/views.py', in_app: true },
          ],
        },
      },
    ],
  },
};

describe('computeGrouping', () => {
  it('uses a 32-hex checksum as the only hash, and hashes other checksums', () => {
    const literal = computeGrouping({ checksum: 'a'.repeat(32), message: 'x' });
    expect(literal.hashes).toEqual(['a'.repeat(32)]);
    expect(literal.variants.map((v) => v.key)).toEqual(['checksum']);
    const hashed = computeGrouping({ checksum: 'release-1.2', message: 'x' });
    expect(hashed.variants).toEqual([
      { key: 'hashed_checksum', hash: md5('release-1.2'), contributes: true, type: 'hashed_checksum' },
    ]);
  });

  it('groups an exception by its in-app frames (module + function), ignoring the value', () => {
    const result = computeGrouping(pythonError);
    const app = variant(result, 'app');
    expect(app.hash).toBe(md5('worker', 'run', 'shop.views', 'checkout', 'ValueError'));
    // All frames are in-app, so the system variant hashes the same and is dropped.
    expect(variant(result, 'system').hash).toBeNull();
    expect(variant(result, 'system').component?.hint).toBe('exception of app takes precedence');
    expect(result.hashes).toEqual([app.hash]);
  });

  it('resolves fingerprint variables for a custom fingerprint (unknown ones stay literal)', () => {
    const result = computeGrouping({
      ...pythonError,
      fingerprint: [
        '{{ transaction }}',
        '{{ error.type }}',
        '{{ tags.env }}',
        '{{ tags.region }}',
        '{{ nope }}',
      ],
    });
    const custom = variant(result, 'custom_fingerprint');
    const values = ['/checkout', 'ValueError', 'prod', '<no-value-for-tag-region>', '{{ nope }}'];
    expect(custom.values).toEqual(values);
    expect(custom.hash).toBe(md5(...values));
    expect(result.hashes).toEqual([md5(...values)]);
    expect(variant(result, 'app')).toMatchObject({ hash: null, contributes: false });
  });

  it('salts the strategy hashes for a hybrid fingerprint', () => {
    const result = computeGrouping({ ...pythonError, fingerprint: ['{{ default }}', 'tenant-7'] });
    const app = variant(result, 'app');
    expect(app.type).toBe('salted_component');
    expect(app.hash).toBe(md5('worker', 'run', 'shop.views', 'checkout', 'ValueError', 'tenant-7'));
  });

  it('applies server rules before built-in ones and records the rule', () => {
    const result = computeGrouping(pythonError, {
      fingerprintingRules: [{ matchers: [['error.type', 'Value*']], fingerprint: ['value-errors'] }],
    });
    const custom = variant(result, 'custom_fingerprint');
    expect(custom.hash).toBe(md5('value-errors'));
    expect(custom.info?.['matched_rule']).toEqual({
      text: 'type:"Value*" -> "value-errors"',
      matchers: [['type', 'Value*']],
      fingerprint: ['value-errors'],
      attributes: {},
    });
  });

  it('falls back to the hash of nothing when no strategy contributes', () => {
    const result = computeGrouping({ platform: 'other' });
    expect(result.variants).toEqual([
      { key: 'fallback', hash: 'd41d8cd98f00b204e9800998ecf8427e', contributes: true, type: 'fallback' },
    ]);
  });

  it('orders hashes app first and system last, without duplicates', () => {
    const result = computeGrouping({
      platform: 'go',
      exception: {
        values: [
          {
            type: '*pq.Error',
            value: 'x',
            stacktrace: {
              frames: [
                {
                  function: 'Run',
                  module: 'cron',
                  abs_path: '/go/pkg/mod/cron/cron.go',
                  filename: 'cron.go',
                },
                { function: 'main', module: 'main', filename: 'main.go', in_app: true },
              ],
            },
          },
        ],
      },
    });
    expect(result.hashes).toEqual([
      md5('main', 'main', '*pq.Error'),
      md5('cron', 'Run', 'main', 'main', '*pq.Error'),
    ]);
  });

  it('ignores repeated frames of a recursion', () => {
    const frame = { function: 'walk', module: 'tree', lineno: 3, in_app: true };
    const result = computeGrouping({
      platform: 'python',
      stacktrace: { frames: [{ function: 'main', module: 'app', in_app: true }, frame, frame, frame] },
    });
    expect(variant(result, 'app').hash).toBe(md5('app', 'main', 'tree', 'walk'));
  });

  it('applies project stack trace rules after the built-in ones', () => {
    const event: SentryEvent = {
      platform: 'python',
      stacktrace: {
        frames: [
          { function: 'main', module: 'app', in_app: true },
          { function: 'log_error', module: 'app.logging', in_app: true },
        ],
      },
    };
    const result = computeGrouping(event, { stackTraceRules: 'module:app.logging -group\n# comment' });
    expect(variant(result, 'app').hash).toBe(md5('app', 'main'));
  });

  it('groups by the single crashed thread', () => {
    const result = computeGrouping({
      platform: 'native',
      threads: {
        values: [
          { id: 1, stacktrace: { frames: [{ function: 'idle', package: '/usr/lib/libc.so' }] } },
          {
            id: 2,
            crashed: true,
            stacktrace: { frames: [{ function: 'crash(int) const', package: '/app/server', in_app: true }] },
          },
        ],
      },
    });
    const app = variant(result, 'app');
    expect(app.component?.values[0]).toMatchObject({ id: 'threads', contributes: true });
    // Native function names are trimmed to the bare name.
    expect(app.hash).toBe(md5('crash'));
  });

  it('reduces an exception group with one distinct leaf to that leaf and titles the event by it', () => {
    const event: SentryEvent = {
      platform: 'javascript',
      exception: {
        values: [
          { type: 'TypeError', value: 'boom', mechanism: { type: 'chained', exception_id: 1, parent_id: 0 } },
          { type: 'TypeError', value: 'boom', mechanism: { type: 'chained', exception_id: 2, parent_id: 0 } },
          {
            type: 'AggregateError',
            value: 'two errors',
            mechanism: { type: 'generic', exception_id: 0, is_exception_group: true },
          },
        ],
      },
    };
    const grouping = computeGrouping(event);
    expect(grouping.mainExceptionId).toBe(2);
    expect(variant(grouping, 'app').hash).toBe(md5('TypeError', 'boom'));
    expect(deriveTitleInfo(event, { grouping }).title).toBe('TypeError: boom');
  });

  it('parameterizes exception values when there is no stack trace', () => {
    const result = computeGrouping({
      exception: { values: [{ type: 'Error', value: 'user 42 not found\n\nmore\ndetail' }] },
    });
    const app = variant(result, 'app');
    expect(app.hash).toBe(md5('Error', 'user <int> not found\nmore...'));
  });

  it('never throws on odd JSON', () => {
    const odd = [
      { exception: { values: [null, 1, 'x'] } },
      { exception: 'nope' },
      { stacktrace: { frames: [null, {}, { function: 7 }] } },
      { threads: [1, 2] },
      { fingerprint: [1, null] },
      { logentry: { params: [1] } },
    ] as unknown as SentryEvent[];
    for (const event of odd) {
      expect(() => computeGrouping(event)).not.toThrow();
      expect(() => deriveTitleInfo(event)).not.toThrow();
    }
  });
});
