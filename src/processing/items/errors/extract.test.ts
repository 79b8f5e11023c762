import { describe, expect, it } from 'vitest';
import type { SentryEvent } from '../../../protocol/event.js';
import { extractErrorRecord, userTag } from './extract.js';

const event: SentryEvent = {
  event_id: 'a'.repeat(32),
  type: 'error',
  timestamp: 1_700_000_000.25,
  received: 1_700_000_001.5,
  level: 'error',
  platform: 'javascript',
  release: 'web@1.2.3',
  environment: 'production',
  transaction: '/checkout',
  logentry: { formatted: 'Checkout failed' },
  exception: {
    values: [
      { type: 'TypeError', value: 'x is undefined', mechanism: { type: 'onerror', handled: false } },
      { type: 'Error', value: 'wrapper', mechanism: { type: 'chained', handled: true } },
    ],
  },
  tags: [
    ['browser', 'Custom Browser'],
    ['region', 'eu'],
  ],
  user: { email: 'jane@example.com', ip_address: '10.0.0.1' },
  request: { url: 'https://shop.example.com/checkout' },
  sdk: { name: 'sentry.javascript.browser', version: '9.0.0' },
  contexts: {
    browser: { name: 'Chrome', version: '120.0' },
    os: { name: 'macOS', version: '14.1' },
    trace: { trace_id: 'B'.repeat(32), span_id: 'c'.repeat(16) },
    replay: {
      replay_id:
        'd'.repeat(8) +
        '-' +
        'd'.repeat(4) +
        '-' +
        'd'.repeat(4) +
        '-' +
        'd'.repeat(4) +
        '-' +
        'd'.repeat(12),
    },
    flags: {
      values: [
        { flag: 'beta', result: true },
        { flag: 'limit', result: 3 },
        { flag: 'cfg', result: { a: 1 } },
      ],
    },
  },
};

describe('extractErrorRecord', () => {
  const record = extractErrorRecord({
    projectId: 4,
    event,
    hashes: ['f'.repeat(32), 'e'.repeat(32)],
    title: 'T',
    culprit: 'C',
  });

  it('fills the typed columns', () => {
    expect(record).toMatchObject({
      project_id: 4,
      timestamp: 1_700_000_000_250,
      received: 1_700_000_001_500,
      event_id: 'a'.repeat(32),
      primary_hash: 'f'.repeat(32),
      type: 'error',
      level: 'error',
      release: 'web@1.2.3',
      environment: 'production',
      title: 'T',
      culprit: 'C',
      user_email: 'jane@example.com',
      user: 'email:jane@example.com',
      trace_id: 'b'.repeat(32),
      replay_id: 'd'.repeat(32),
      exception_types: ['TypeError', 'Error'],
      exception_values: ['x is undefined', 'wrapper'],
      handled: 0,
      retention_days: 90,
    });
    expect(record.message).toBe('Checkout failed\nTypeError: x is undefined\nError: wrapper');
  });

  it('adds Sentry’s derived tags, keeping the event’s own value on a clash', () => {
    const tags = Object.fromEntries(record['tags.key'].map((k, i) => [k, record['tags.value'][i]]));
    expect(tags).toMatchObject({
      browser: 'Custom Browser',
      'browser.name': 'Chrome',
      region: 'eu',
      level: 'error',
      environment: 'production',
      release: 'web@1.2.3',
      transaction: '/checkout',
      url: 'https://shop.example.com/checkout',
      user: 'email:jane@example.com',
      handled: 'no',
      mechanism: 'onerror',
      os: 'macOS 14.1',
      'os.name': 'macOS',
    });
    expect(record['tags.key'].filter((k) => k === 'browser')).toHaveLength(1);
    expect((record.data.tags as unknown[]).length).toBe(record['tags.key'].length);
  });

  it('stringifies flag results the way Snuba does', () => {
    expect(record['flags.key']).toEqual(['beta', 'limit', 'cfg']);
    expect(record['flags.value']).toEqual(['true', '3', '{"a":1}']);
  });
});

describe('userTag', () => {
  it('prefers id, then email, username, ip', () => {
    expect(userTag({ id: '7', email: 'a@b.c' })).toBe('id:7');
    expect(userTag({ username: 'jo', ip_address: '1.2.3.4' })).toBe('username:jo');
    expect(userTag({ ip_address: '1.2.3.4' })).toBe('ip:1.2.3.4');
    expect(userTag(undefined)).toBe('');
  });
});
