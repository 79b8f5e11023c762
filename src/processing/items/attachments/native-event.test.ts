import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import type { Envelope, EnvelopeItem } from '../../../protocol/envelope.js';
import { buildMinidump } from '../../../../tests/helpers/minidump.js';
import { prepareNativeCrash } from './native-event.js';
import { readMinidumpInfo } from './minidump.js';

const attachment = (attachmentType: string, payload: Buffer, filename = 'f'): EnvelopeItem => ({
  headers: { type: 'attachment', attachment_type: attachmentType, filename, length: payload.length },
  payload,
});
const eventOf = (envelope: Envelope): Record<string, unknown> => {
  const item = envelope.items.find((i) => i.headers.type === 'event');
  return JSON.parse(item!.payload.toString('utf8')) as Record<string, unknown>;
};

describe('readMinidumpInfo', () => {
  it('reads the reporter, time, OS and crash reason of a Linux dump', () => {
    expect(readMinidumpInfo(buildMinidump({ timestamp: 1_700_000_000 }))).toEqual({
      sdkName: 'minidump.breakpad',
      timestamp: 1_700_000_000,
      os: 'Linux',
      crashReason: 'SIGSEGV',
      crashAddress: '0xdeadbeef',
    });
  });

  it('names Windows access violations by their first parameter', () => {
    const dump = buildMinidump({ platformId: 2, code: 0xc0000005, firstParameter: 1n, breakpad: false });
    expect(readMinidumpInfo(dump)).toMatchObject({
      sdkName: 'minidump.unknown',
      os: 'Windows',
      crashReason: 'EXCEPTION_ACCESS_VIOLATION_WRITE',
    });
  });

  it('rejects what is not a minidump and survives truncation', () => {
    expect(readMinidumpInfo(Buffer.from('hello world, not a dump at all!!'))).toBeUndefined();
    expect(readMinidumpInfo(buildMinidump().subarray(0, 40))).toMatchObject({ sdkName: 'minidump.unknown' });
  });
});

describe('prepareNativeCrash', () => {
  it('builds the event of a crash upload from its msgpack event, breadcrumbs and form fields', () => {
    const crumbs = (messages: string[], t0: number): Buffer =>
      Buffer.concat(messages.map((message, i) => Buffer.from(encode({ message, timestamp: t0 + i }))));
    const form = new URLSearchParams([
      ['sentry[release]', 'app@2.0'],
      ['sentry[tags][channel]', 'beta'],
      ['prod', 'Electron'],
      ['sentry', JSON.stringify({ environment: 'staging', user: { id: '7' } })],
    ]).toString();
    const envelope: Envelope = {
      headers: { event_id: 'ab'.repeat(16) },
      items: [
        attachment('event.minidump', buildMinidump({ timestamp: 1_700_000_000 }), 'upload.dmp'),
        attachment('event.payload', Buffer.from(encode({ message: 'from msgpack', level: 'error' }))),
        attachment('event.breadcrumbs', crumbs(['new-1', 'new-2'], 200)),
        attachment('event.breadcrumbs', crumbs(['old-1'], 100)),
        attachment('event.attachment', Buffer.from('log'), 'app.log'),
        { headers: { type: 'form_data' }, payload: Buffer.from(form) },
      ],
    };
    expect(prepareNativeCrash(envelope)).toBe(true);
    expect(envelope.items.map((i) => i.headers.attachment_type ?? i.headers.type)).toEqual([
      'event',
      'event.minidump',
      'event.attachment',
    ]);
    expect(eventOf(envelope)).toEqual({
      event_id: 'ab'.repeat(16),
      message: 'from msgpack',
      level: 'error',
      release: 'app@2.0',
      environment: 'staging',
      user: { id: '7' },
      tags: { channel: 'beta' },
      extra: { prod: 'Electron' },
      breadcrumbs: {
        values: [
          { message: 'old-1', timestamp: 100 },
          { message: 'new-1', timestamp: 200 },
          { message: 'new-2', timestamp: 201 },
        ],
      },
      platform: 'native',
      timestamp: 1_700_000_000,
      sdk: { name: 'minidump.breakpad', version: '0.0.0' },
      contexts: { os: { type: 'os', name: 'Linux' } },
      exception: {
        values: [
          {
            type: 'SIGSEGV',
            value: 'Fatal Error: SIGSEGV',
            mechanism: { type: 'minidump', handled: false, synthetic: true },
          },
        ],
      },
    });
    // Idempotent: the processing loop runs it again on what the edge prepared.
    const before = eventOf(envelope);
    prepareNativeCrash(envelope);
    expect(eventOf(envelope)).toEqual(before);
  });

  it("writes Relay's placeholder into an SDK's event and keeps its level", () => {
    const event = { message: 'crash', level: 'error', exception: { values: [{ type: 'Other' }] } };
    const envelope: Envelope = {
      headers: {},
      items: [
        { headers: { type: 'event' }, payload: Buffer.from(JSON.stringify(event)) },
        attachment('event.minidump', Buffer.from('MDMP but truncated')),
      ],
    };
    prepareNativeCrash(envelope);
    expect(eventOf(envelope)).toMatchObject({
      level: 'error',
      platform: 'native',
      exception: { values: [{ type: 'Minidump', value: 'Invalid Minidump' }] },
    });
  });

  it('marks Apple crash reports and leaves envelopes without crashes alone', () => {
    const apple: Envelope = { headers: {}, items: [attachment('event.applecrashreport', Buffer.from('x'))] };
    prepareNativeCrash(apple);
    expect(eventOf(apple)).toMatchObject({
      level: 'fatal',
      exception: { values: [{ type: 'AppleCrashReport', mechanism: { type: 'applecrashreport' } }] },
    });
    const plain: Envelope = { headers: {}, items: [attachment('event.attachment', Buffer.from('x'))] };
    expect(prepareNativeCrash(plain)).toBe(false);
    expect(plain.items).toHaveLength(1);
  });
});
