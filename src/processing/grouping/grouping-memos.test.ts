import { describe, expect, it, vi } from 'vitest';
import type { Frame, SentryEvent } from '../../protocol/event.js';
import type { JsonObject } from '../../protocol/json.js';
import * as warm from './index.js';

// Grouping remembers frames, stack traces, exceptions and messages across events. Whatever an
// event shares with earlier ones, its result must equal the result of a process that never saw
// anything else: every variant below is grouped by one long-lived module instance and compared
// with a fresh, cold instance.
async function coldInstance(): Promise<typeof warm> {
  vi.resetModules();
  return import('./index.js');
}

function frame(fn: string, file: string, fields: JsonObject = {}): Frame {
  return {
    function: fn,
    filename: file,
    abs_path: `/srv/app/${file}`,
    module: file.replace(/\.js$/u, ''),
    lineno: 10,
    colno: 5,
    context_line: `  ${fn}(order);`,
    in_app: true,
    ...fields,
  };
}

function event(frames: Frame[], fields: Partial<SentryEvent> = {}, exception: JsonObject = {}): SentryEvent {
  return {
    platform: 'node',
    exception: {
      values: [
        {
          type: 'RangeError',
          value: 'amount out of range',
          stacktrace: { frames },
          mechanism: { type: 'chained', source: 'cause', exception_id: 1, parent_id: 0 },
        },
        {
          type: 'Error',
          value: 'payment declined for order 1042',
          stacktrace: { frames },
          mechanism: { type: 'generic', handled: true, exception_id: 0 },
          ...exception,
        },
      ],
    },
    ...fields,
  };
}

const base = [
  frame('processTicksAndRejections', 'node:internal/process/task_queues', {
    abs_path: 'node:internal/process/task_queues',
    in_app: false,
    context_line: undefined,
  }),
  frame('Module.withScope', 'node_modules/@sentry/core/scopes.js', {
    abs_path: '/srv/app/node_modules/@sentry/core/scopes.js',
  }),
  frame('checkout', 'cart.js'),
  frame('pay', 'payment.js'),
];

const tweak = (i: number, fields: JsonObject): Frame[] =>
  base.map((f, k) => (k === i ? { ...f, ...fields } : f));

const cases: [string, SentryEvent, { stackTraceRules?: string }][] = [
  ['base', event(base), {}],
  ['one frame out of app', event(tweak(3, { in_app: false })), {}],
  ['in-app flags left to the rules', event(base.map((f) => ({ ...f, in_app: undefined }))), {}],
  ['another event platform', event(base, { platform: 'python' }), {}],
  ['a frame with its own platform', event(tweak(2, { platform: 'native', function: 'std::foo(int)' })), {}],
  ['recursion (same line twice)', event([...base, base[3] as Frame]), {}],
  ['no recursion (other line)', event([...base, { ...(base[3] as Frame), lineno: 11 }]), {}],
  ['another context line', event(tweak(3, { context_line: '  pay(order, true);' })), {}],
  ['a source-mapped frame', event(tweak(3, { data: { sourcemap: 'payment.js.map' } })), {}],
  ['a raw function name', event(tweak(3, { raw_function: 'Payment.pay', function: 'pay' })), {}],
  ['another package', event(tweak(3, { package: '/srv/app' })), {}],
  ['another exception value', event(base, {}, { value: 'payment declined for order 7' }), {}],
  ['another exception type', event(base, {}, { type: 'TypeError' }), {}],
  [
    'a synthetic exception',
    event(base, {}, { mechanism: { type: 'generic', synthetic: true, exception_id: 0 } }),
    {},
  ],
  [
    'an NSError',
    event(
      base,
      {},
      { mechanism: { type: 'x', exception_id: 0, meta: { ns_error: { code: 3, domain: 'D' } } } },
    ),
    {},
  ],
  [
    'rules reading the exception type',
    event(base),
    { stackTraceRules: 'error.type:Error function:pay -group' },
  ],
  [
    'rules reading the exception value',
    event(base),
    { stackTraceRules: 'error.value:"*1042*" function:checkout -app' },
  ],
  [
    'the same rules, other value',
    event(base, {}, { value: 'declined 9' }),
    { stackTraceRules: 'error.value:"*1042*" function:checkout -app' },
  ],
  [
    'category rules with neighbours',
    event(base),
    { stackTraceRules: 'function:checkout category=x\n[ category:x ] | function:pay -group' },
  ],
  [
    'rules on in-app flags',
    event(tweak(2, { in_app: false })),
    { stackTraceRules: 'app:no function:* +group ^-app' },
  ],
  ['base again', event(base), {}],
];

describe('grouping memos', () => {
  it('never change a result, whatever was grouped before', async () => {
    const warmResults = cases.map(([, e, options]) => {
      const grouping = warm.computeGrouping(e, options);
      return {
        grouping: JSON.stringify(grouping),
        title: JSON.stringify(warm.deriveTitleInfo(e, { ...options, grouping })),
        titleAlone: JSON.stringify(warm.deriveTitleInfo(e, options)),
      };
    });
    for (const [index, [name, e, options]] of cases.entries()) {
      const cold = await coldInstance();
      const grouping = cold.computeGrouping(e, options);
      expect(warmResults[index], name).toEqual({
        grouping: JSON.stringify(grouping),
        title: JSON.stringify(cold.deriveTitleInfo(e, { ...options, grouping })),
        titleAlone: JSON.stringify(cold.deriveTitleInfo(e, options)),
      });
    }
  });

  it('tells the variants apart (the comparison above is not vacuous)', () => {
    const hashes = new Map(
      cases.map(([name, e, options]) => [name, warm.computeGrouping(e, options).hashes.join()]),
    );
    for (const name of [
      'one frame out of app',
      'another event platform',
      'no recursion (other line)',
      'another context line',
      'another exception type',
      'rules reading the exception type',
      'category rules with neighbours',
    ]) {
      expect(hashes.get(name), name).not.toBe(hashes.get('base'));
    }
    expect(hashes.get('no recursion (other line)')).not.toBe(hashes.get('recursion (same line twice)'));
    expect(hashes.get('base again')).toBe(hashes.get('base'));
  });

  it('titles with a grouping of another event object like a cold process does', async () => {
    const a = event(base);
    const b = event(tweak(3, { in_app: false, function: 'refund' }));
    const groupingA = warm.computeGrouping(a);
    const ours = warm.deriveTitleInfo(b, { grouping: groupingA });
    const cold = await coldInstance();
    expect(ours).toEqual(cold.deriveTitleInfo(b, { grouping: cold.computeGrouping(a) }));
    expect(ours.culprit).toBe('checkout(cart)');
    expect(warm.deriveTitleInfo(a, { grouping: groupingA }).culprit).toBe('pay(payment)');
  });

  it('counts characters, not UTF-16 units, when truncating and measuring lines', async () => {
    const emoji = '😀'.repeat(700);
    const e = event(tweak(3, { context_line: '😀'.repeat(100) }), {}, { value: emoji });
    const info = warm.deriveTitleInfo(e);
    // 1400 UTF-16 units but 700 characters: within the 1024-character limit of the value.
    expect(info.metadata['value']).toBe(emoji);
    expect(info.title).toBe(`Error: ${'😀'.repeat(253)}...`);
    const cold = await coldInstance();
    expect(JSON.stringify(warm.computeGrouping(e))).toBe(JSON.stringify(cold.computeGrouping(e)));
    const frames = warm.computeGrouping(e).variants.find((v) => v.key === 'app')?.component;
    expect(JSON.stringify(frames)).toContain('😀'.repeat(100));
    expect(JSON.stringify(frames)).not.toContain('ignored because line is too long');
  });
});

describe('lazy component trees', () => {
  it('behave like plain data properties', () => {
    const result = warm.computeGrouping(event(base));
    const variant = result.variants[0];
    if (variant === undefined) throw new Error('no variant');
    const keys = Object.keys(variant);
    expect(keys.slice(0, 5)).toEqual(['key', 'hash', 'contributes', 'type', 'component']);
    const json = JSON.stringify(result);
    const spread = { ...variant };
    expect(spread.component).toEqual(variant.component);
    const first = variant.component;
    expect(variant.component).toBe(first);
    expect(Object.getOwnPropertyDescriptor(variant, 'component')).toMatchObject({
      value: first,
      writable: true,
    });
    expect(Object.keys(variant)).toEqual(keys);
    expect(JSON.stringify(result)).toBe(json);
    const replacement = { id: 'app', contributes: false, hint: null, values: [] };
    variant.component = replacement;
    expect(variant.component).toBe(replacement);
  });

  it('still work on frozen results', () => {
    const result = warm.computeGrouping(event(base));
    const variant = result.variants[1];
    if (variant === undefined) throw new Error('no variant');
    Object.freeze(variant);
    const tree = variant.component;
    expect(tree?.id).toBe(variant.key);
    expect(variant.component).toBe(tree);
  });
});
