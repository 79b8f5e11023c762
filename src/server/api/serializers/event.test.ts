import { describe, it, expect } from 'vitest';
import type { SentryEvent } from '../../../protocol/event.js';
import {
  buildEntries,
  frameContext,
  serializeEvent,
  serializeEventSummary,
  serializeStacktrace,
  serializeTags,
} from './index.js';

/** A browser TypeError as Relay normalizes it (tags as pairs, timestamps in seconds). */
function jsTypeError(): SentryEvent {
  return {
    event_id: '9fac2ced-9344-4f2b-bfdd-1fdacb0ed9b1',
    level: 'error',
    type: 'error',
    platform: 'javascript',
    timestamp: 1718000000.123,
    received: 1718000001.5,
    release: 'frontend@1.2.3',
    environment: 'production',
    culprit: 'handleClick(app/components/button)',
    title: "TypeError: Cannot read properties of undefined (reading 'id')",
    metadata: {
      type: 'TypeError',
      value: "Cannot read properties of undefined (reading 'id')",
      filename: '/static/js/app.js',
      function: 'handleClick',
    },
    // Keys deliberately out of Sentry's display order: request and breadcrumbs first.
    request: {
      url: 'https://shop.example.com/checkout',
      method: 'GET',
      query_string: [['step', '2']],
      headers: [
        ['Referer', 'https://shop.example.com/cart'],
        ['User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/125.0.0.0'],
      ],
    },
    breadcrumbs: {
      values: [
        {
          timestamp: 1717999999.5,
          type: 'default',
          category: 'ui.click',
          level: 'info',
          message: 'button#pay',
        },
        {
          timestamp: 1717999999.9,
          type: 'http',
          category: 'xhr',
          data: { method: 'GET', url: '/api/user', status_code: 200 },
        },
      ],
    },
    exception: {
      values: [
        {
          type: 'TypeError',
          value: "Cannot read properties of undefined (reading 'id')",
          mechanism: { type: 'onerror', handled: false, data: {}, meta: { errno: null } },
          stacktrace: {
            frames: [
              {
                filename: '/static/js/vendor.js',
                abs_path: 'https://shop.example.com/static/js/vendor.js',
                function: 'dispatch',
                lineno: 10,
                colno: 5,
                in_app: false,
              },
              {
                filename: '/static/js/app.js',
                abs_path: 'https://shop.example.com/static/js/app.js',
                function: 'handleClick',
                module: 'app/components/button',
                lineno: 42,
                colno: 17,
                in_app: true,
                pre_context: ['function handleClick(user) {', '  // read the id'],
                context_line: '  return user.id;',
                post_context: ['}'],
              },
            ],
          },
        },
      ],
    },
    user: {
      id: '42',
      email: 'jane@example.com',
      ip_address: '203.0.113.7',
      geo: { country_code: 'DE', city: 'Berlin' },
    },
    tags: [
      ['environment', 'production'],
      ['level', 'error'],
      ['sentry:release', 'frontend@1.2.3'],
      ['sentry:user', 'id:42'],
      ['browser', 'Chrome 125.0.0'],
      ['browser.name', 'Chrome'],
      ['handled', 'no'],
      ['mechanism', 'onerror'],
    ],
    contexts: {
      browser: { name: 'Chrome', version: '125.0.0', type: 'browser' },
      trace: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' },
    },
    sdk: { name: 'sentry.javascript.browser', version: '8.9.0', integrations: ['BrowserTracing'] },
    errors: [
      { type: 'js_no_source', url: 'https://shop.example.com/static/js/app.js' },
      { type: 'invalid_data', name: 'breadcrumbs.values.3.timestamp', value: 'yesterday' },
    ],
    extra: { cart: { items: 2 } },
    modules: { react: '18.3.1' },
    hashes: ['c6c1b1d3e0d8c4d0a2bb6a94f3b7e4d1'],
  };
}

describe('serializeEvent: JavaScript TypeError', () => {
  const json = serializeEvent(jsTypeError(), {
    projectId: 7,
    groupId: 1234,
  });

  it('emits ids as strings and dates ISO with milliseconds', () => {
    expect(json.id).toBe('9fac2ced93444f2bbfdd1fdacb0ed9b1');
    expect(json.eventID).toBe('9fac2ced93444f2bbfdd1fdacb0ed9b1');
    expect(json.groupID).toBe('1234');
    expect(json.projectID).toBe('7');
    expect(json.dateCreated).toBe('2024-06-10T06:13:20.123Z');
    expect(json.dateReceived).toBe('2024-06-10T06:13:21.500Z');
    expect(typeof json.size).toBe('number');
    expect(json.size).toBeGreaterThan(1000);
  });

  it('orders entries like Sentry: exception, breadcrumbs, request', () => {
    expect((json.entries as Array<{ type: string }>).map((e) => e.type)).toEqual([
      'exception',
      'breadcrumbs',
      'request',
    ]);
  });

  it('serializes the exception entry in camelCase with frame context pairs', () => {
    const [exception] = json.entries as Array<{ type: string; data: unknown }>;
    expect(exception).toEqual({
      type: 'exception',
      data: {
        values: [
          {
            type: 'TypeError',
            value: "Cannot read properties of undefined (reading 'id')",
            mechanism: { type: 'onerror', handled: false },
            threadId: null,
            module: null,
            stacktrace: {
              frames: [
                {
                  filename: '/static/js/vendor.js',
                  absPath: 'https://shop.example.com/static/js/vendor.js',
                  module: null,
                  package: null,
                  platform: null,
                  instructionAddr: null,
                  symbolAddr: null,
                  function: 'dispatch',
                  rawFunction: null,
                  symbol: null,
                  context: [],
                  lineNo: 10,
                  colNo: 5,
                  inApp: false,
                  trust: null,
                  errors: null,
                  vars: null,
                },
                {
                  filename: '/static/js/app.js',
                  absPath: 'https://shop.example.com/static/js/app.js',
                  module: 'app/components/button',
                  package: null,
                  platform: null,
                  instructionAddr: null,
                  symbolAddr: null,
                  function: 'handleClick',
                  rawFunction: null,
                  symbol: null,
                  context: [
                    [40, 'function handleClick(user) {'],
                    [41, '  // read the id'],
                    [42, '  return user.id;'],
                    [43, '}'],
                  ],
                  lineNo: 42,
                  colNo: 17,
                  inApp: true,
                  trust: null,
                  errors: null,
                  vars: null,
                },
              ],
              framesOmitted: null,
              registers: null,
              hasSystemFrames: true,
            },
            rawStacktrace: null,
          },
        ],
        hasSystemFrames: true,
        excOmitted: null,
      },
    });
  });

  it('serializes breadcrumbs and the request', () => {
    const [, breadcrumbs, request] = json.entries as unknown[];
    expect(breadcrumbs).toEqual({
      type: 'breadcrumbs',
      data: {
        values: [
          {
            type: 'default',
            timestamp: '2024-06-10T06:13:19.500Z',
            level: 'info',
            message: 'button#pay',
            category: 'ui.click',
            data: null,
            event_id: null,
          },
          {
            type: 'http',
            timestamp: '2024-06-10T06:13:19.900Z',
            level: 'info',
            message: null,
            category: 'xhr',
            data: { method: 'GET', url: '/api/user', status_code: 200 },
            event_id: null,
          },
        ],
      },
    });
    expect(request).toEqual({
      type: 'request',
      data: {
        method: 'GET',
        url: 'https://shop.example.com/checkout',
        query: [['step', '2']],
        fragment: null,
        data: null,
        headers: [
          ['Referer', 'https://shop.example.com/cart'],
          ['User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/125.0.0.0'],
        ],
        cookies: [],
        env: null,
        inferredContentType: null,
      },
    });
  });

  it('serializes the top-level fields', () => {
    expect(json).toMatchObject({
      dist: null,
      message: '',
      title: "TypeError: Cannot read properties of undefined (reading 'id')",
      location: '/static/js/app.js',
      culprit: 'handleClick(app/components/button)',
      user: {
        id: '42',
        email: 'jane@example.com',
        username: null,
        ip_address: '203.0.113.7',
        name: null,
        geo: { country_code: 'DE', city: 'Berlin' },
        data: null,
      },
      contexts: {
        browser: { name: 'Chrome', version: '125.0.0', type: 'browser' },
        trace: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', type: 'trace' },
      },
      sdk: { name: 'sentry.javascript.browser', version: '8.9.0' },
      context: { cart: { items: 2 } },
      packages: { react: '18.3.1' },
      type: 'error',
      platform: 'javascript',
      occurrence: null,
      crashFile: null,
      fingerprints: ['c6c1b1d3e0d8c4d0a2bb6a94f3b7e4d1'],
      groupingConfig: null,
      release: { version: 'frontend@1.2.3' },
      userReport: null,
      sdkUpdates: [],
      resolvedWith: [],
      nextEventID: null,
      previousEventID: null,
    });
    expect(json.metadata).toEqual(jsTypeError().metadata);
    expect(json).not.toHaveProperty('startTimestamp');
  });

  it('sorts tags by key, strips sentry: and links the user tag to a search', () => {
    expect(json.tags).toEqual([
      { key: 'browser', value: 'Chrome 125.0.0' },
      { key: 'browser.name', value: 'Chrome' },
      { key: 'environment', value: 'production' },
      { key: 'handled', value: 'no' },
      { key: 'level', value: 'error' },
      { key: 'mechanism', value: 'onerror' },
      { key: 'release', value: 'frontend@1.2.3' },
      { key: 'user', value: 'id:42', query: 'user.id:"42"' },
    ]);
  });

  it('keeps processing errors with Sentry’s messages and hides breadcrumb noise', () => {
    expect(json.errors).toEqual([
      {
        type: 'js_no_source',
        message: 'Source code was not found',
        data: { url: 'https://shop.example.com/static/js/app.js' },
      },
    ]);
  });

  it('honours the context’s received date, hashes, release and neighbours', () => {
    const custom = serializeEvent(jsTypeError(), {
      projectId: 7,
      groupId: null,
      dateReceived: new Date('2024-06-10T06:13:22Z'),
      hashes: ['0123456789abcdef0123456789abcdef'],
      release: null,
      nextEventId: 'a'.repeat(32),
      previousEventId: null,
      size: 512,
    });
    expect(custom.groupID).toBeNull();
    expect(custom.dateReceived).toBe('2024-06-10T06:13:22.000Z');
    expect(custom.fingerprints).toEqual(['0123456789abcdef0123456789abcdef']);
    expect(custom.release).toBeNull();
    expect(custom.nextEventID).toBe('a'.repeat(32));
    expect(custom.size).toBe(512);
  });
});

describe('serializeEvent: message event with parameters', () => {
  const event: SentryEvent = {
    event_id: 'b4a8a3a1e6c04c3f9b0f3f5d2e1c0a99',
    type: 'default',
    level: 'warning',
    platform: 'node',
    logger: 'payments',
    timestamp: '2024-06-10T06:18:20.250Z',
    title: 'Payment of %s failed for %s',
    logentry: {
      message: 'Payment of %s failed for %s',
      params: ['49.00 EUR', 'order-1881'],
      formatted: 'Payment of 49.00 EUR failed for order-1881',
    },
    stacktrace: {
      frames: [
        {
          filename: 'node:internal/process/task_queues',
          function: 'process.processTicksAndRejections',
          lineno: 95,
          colno: 5,
          in_app: false,
        },
        {
          filename: '/srv/app/payments.js',
          function: 'charge',
          lineno: 88,
          colno: 11,
          in_app: true,
          context_line: '    Sentry.captureMessage(msg);',
        },
      ],
    },
    tags: [['level', 'warning']],
  };
  const json = serializeEvent(event, { projectId: 3, groupId: 99 });

  it('puts the message entry before the stacktrace, with formatted/message/params', () => {
    expect((json.entries as Array<{ type: string }>).map((e) => e.type)).toEqual(['message', 'stacktrace']);
    const [message, stacktrace] = json.entries as Array<{ type: string; data: Record<string, unknown> }>;
    expect(message!.data).toEqual({
      message: 'Payment of %s failed for %s',
      formatted: 'Payment of 49.00 EUR failed for order-1881',
      params: ['49.00 EUR', 'order-1881'],
    });
    expect((stacktrace!.data.frames as Array<{ context: unknown }>)[1]!.context).toEqual([
      [88, '    Sentry.captureMessage(msg);'],
    ]);
    expect(stacktrace!.data.hasSystemFrames).toBe(true);
  });

  it('uses the formatted message, parses string timestamps and has no location', () => {
    expect(json.message).toBe('Payment of 49.00 EUR failed for order-1881');
    expect(json.dateCreated).toBe('2024-06-10T06:18:20.250Z');
    expect(json.location).toBeNull();
    expect(json.type).toBe('default');
    expect(json.user).toBeNull();
    expect(json.sdk).toBeNull();
    expect(json.contexts).toEqual({});
    expect(json.context).toEqual({});
    expect(json.packages).toEqual({});
    expect(json.dateReceived).toBeNull();
    expect(json.fingerprints).toEqual([]);
  });

  it('drops empty params and reads a bare message string as formatted', () => {
    const entries = buildEntries({ message: 'plain text', logentry: undefined } as SentryEvent);
    expect(entries).toEqual([{ type: 'message', data: { formatted: 'plain text' } }]);
    const noParams = buildEntries({ logentry: { formatted: 'hello', params: [] } });
    expect(noParams).toEqual([{ type: 'message', data: { formatted: 'hello' } }]);
  });
});

describe('serializeEvent: Python exception with frame vars and a logged message', () => {
  const event: SentryEvent = {
    event_id: '0f5c1c2ab7bd4b5e8a4d3ad0b0c9e111',
    type: 'error',
    level: 'error',
    platform: 'python',
    timestamp: 1718000300.25,
    logentry: { message: 'Failed to compute %s', params: ['ratio'], formatted: 'Failed to compute ratio' },
    metadata: { type: 'ZeroDivisionError', value: 'division by zero', filename: 'app/stats.py' },
    title: 'ZeroDivisionError: division by zero',
    exception: {
      values: [
        {
          type: 'ZeroDivisionError',
          value: 'division by zero',
          module: 'builtins',
          mechanism: { type: 'logging', handled: true },
          stacktrace: {
            frames: [
              {
                filename: 'app/stats.py',
                abs_path: '/srv/app/stats.py',
                module: 'app.stats',
                function: 'ratio',
                lineno: 12,
                pre_context: ['def ratio(a, b):'],
                context_line: '    return a / b',
                post_context: [''],
                in_app: true,
                vars: { a: '10', b: '0' },
              },
            ],
          },
        },
      ],
    },
    user: { ip_address: '198.51.100.4' },
    tags: { 'sentry:user': 'ip:198.51.100.4', server_name: 'web-1' },
  };
  const json = serializeEvent(event, { projectId: 5, groupId: 8 });

  it('orders message before exception and keeps frame vars', () => {
    const entries = json.entries as Array<{ type: string; data: Record<string, unknown> }>;
    expect(entries.map((e) => e.type)).toEqual(['message', 'exception']);
    const exception = (entries[1]!.data.values as Array<Record<string, unknown>>)[0]!;
    expect(exception.module).toBe('builtins');
    expect(exception.mechanism).toEqual({ type: 'logging', handled: true });
    const frame = (exception.stacktrace as { frames: Array<Record<string, unknown>> }).frames[0]!;
    expect(frame.vars).toEqual({ a: '10', b: '0' });
    expect(frame.context).toEqual([
      [11, 'def ratio(a, b):'],
      [12, '    return a / b'],
      [13, ''],
    ]);
    expect(frame.module).toBe('app.stats');
  });

  it('accepts tags as an object and builds the ip user query', () => {
    expect(json.tags).toEqual([
      { key: 'server_name', value: 'web-1' },
      { key: 'user', value: 'ip:198.51.100.4', query: 'user.ip:"198.51.100.4"' },
    ]);
    expect(json.location).toBe('app/stats.py');
    expect(json.message).toBe('Failed to compute ratio');
  });
});

describe('entries: threads, debug meta and address padding', () => {
  it('pads instruction addresses to the longest in the stacktrace', () => {
    const st = serializeStacktrace({
      frames: [
        { function: 'main', instruction_addr: '0x1a', symbol_addr: '0x10', in_app: true },
        { function: 'crash', instruction_addr: '0x100004f2c', package: '/usr/lib/libc.so' },
      ],
      registers: { rip: '0x100004f2c' },
    });
    expect(st).not.toBeNull();
    const frames = st!.frames as Array<Record<string, unknown>>;
    expect(frames[0]!.instructionAddr).toBe('0x00000001a');
    expect(frames[0]!.symbolAddr).toBe('0x000000010');
    expect(frames[1]!.instructionAddr).toBe('0x100004f2c');
    expect(frames[1]!.inApp).toBeNull();
    expect(st!.registers).toEqual({ rip: '0x100004f2c' });
  });

  it('returns null for stacktraces without frames', () => {
    expect(serializeStacktrace({ frames: [] })).toBeNull();
    expect(serializeStacktrace(undefined)).toBeNull();
  });

  it('serializes threads and debug meta in Sentry’s order', () => {
    const entries = buildEntries({
      debug_meta: { images: [{ type: 'elf', code_file: '/app/bin', image_addr: '0x1000' }] },
      threads: {
        values: [
          {
            id: 1,
            name: 'main',
            crashed: true,
            current: true,
            stacktrace: { frames: [{ function: 'main', in_app: true }] },
          },
          { id: 2, name: 'worker', state: 'WAITING' },
        ],
      },
      exception: { values: [{ type: 'SIGSEGV', value: 'Segfault', thread_id: 1 }] },
    });
    expect(entries.map((e) => e.type)).toEqual(['exception', 'threads', 'debugmeta']);
    expect(entries[1]!.data).toEqual({
      values: [
        {
          id: 1,
          current: true,
          crashed: true,
          name: 'main',
          stacktrace: expect.objectContaining({ hasSystemFrames: true }),
          rawStacktrace: null,
        },
        {
          id: 2,
          current: false,
          crashed: false,
          name: 'worker',
          stacktrace: null,
          rawStacktrace: null,
          state: 'WAITING',
        },
      ],
    });
    expect(entries[0]!.data).toMatchObject({
      values: [{ threadId: 1, stacktrace: null }],
      hasSystemFrames: false,
    });
    expect(entries[2]!.data).toEqual({
      images: [{ type: 'elf', code_file: '/app/bin', image_addr: '0x1000' }],
    });
  });

  it('skips empty interfaces', () => {
    expect(
      buildEntries({ breadcrumbs: { values: [] }, request: {}, exception: { values: [] }, debug_meta: {} }),
    ).toEqual([]);
  });
});

describe('frameContext', () => {
  it.each([
    [null, 'x', [], [], []],
    [5, null, [], [], []],
    [5, 'x', [], [], [[5, 'x']]],
    [
      3,
      'c',
      ['a', 'b'],
      ['d'],
      [
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
        [4, 'd'],
      ],
    ],
    [
      2,
      null,
      ['a'],
      [],
      [
        [1, 'a'],
        [2, null],
      ],
    ],
  ])('lineno %s, line %s', (lineno, line, pre, post, expected) => {
    expect(frameContext(lineno, line, pre, post)).toEqual(expected);
  });
});

describe('serializeTags', () => {
  it('ignores malformed pairs and non-user-key queries', () => {
    expect(
      serializeTags([['a', 'b'], ['c'], [1, 2], null, ['user', 'foo:bar'], ['user', 'email:a"b@x.io']]),
    ).toEqual([
      { key: 'a', value: 'b' },
      { key: 'user', value: 'foo:bar' },
      { key: 'user', value: 'email:a"b@x.io', query: 'user.email:"a\\"b@x.io"' },
    ]);
    expect(serializeTags(undefined)).toEqual([]);
  });
});

describe('serializeEventSummary', () => {
  it('produces the event-list row shape', () => {
    const json = serializeEventSummary(jsTypeError(), { projectId: 7, groupId: 1234 });
    expect(Object.keys(json)).toEqual([
      'id',
      'event.type',
      'groupID',
      'eventID',
      'projectID',
      'message',
      'title',
      'location',
      'culprit',
      'user',
      'tags',
      'platform',
      'dateCreated',
      'crashFile',
    ]);
    expect(json).toMatchObject({
      id: '9fac2ced93444f2bbfdd1fdacb0ed9b1',
      'event.type': 'error',
      groupID: '1234',
      eventID: '9fac2ced93444f2bbfdd1fdacb0ed9b1',
      projectID: '7',
      message: '',
      title: "TypeError: Cannot read properties of undefined (reading 'id')",
      location: '/static/js/app.js',
      culprit: 'handleClick(app/components/button)',
      platform: 'javascript',
      dateCreated: '2024-06-10T06:13:20.123Z',
      crashFile: null,
    });
    expect((json.tags as unknown[]).length).toBe(8);
    expect((json.user as Record<string, unknown>).id).toBe('42');
  });
});
