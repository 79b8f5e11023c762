import { describe, it, expect } from 'vitest';
import type { Envelope, ItemHeaders } from '../../protocol/envelope.js';
import {
  checkEnvelopeSizeLimits,
  DEFAULT_SIZE_LIMITS,
  discardItemTypeName,
  resolveSizeLimits,
} from './limits.js';

function envelope(...items: Array<[ItemHeaders, number]>): Envelope {
  return { headers: {}, items: items.map(([headers, size]) => ({ headers, payload: Buffer.alloc(size) })) };
}

const MIB = 1024 * 1024;

describe('DEFAULT_SIZE_LIMITS', () => {
  it("follows Relay's Limits::default()", () => {
    expect(DEFAULT_SIZE_LIMITS.maxEventSize).toBe(MIB);
    expect(DEFAULT_SIZE_LIMITS.maxEnvelopeSize).toBe(200 * MIB);
    expect(DEFAULT_SIZE_LIMITS.maxAttachmentSize).toBe(200 * MIB);
    expect(DEFAULT_SIZE_LIMITS.maxAttachmentsSize).toBe(200 * MIB);
    expect(DEFAULT_SIZE_LIMITS.maxSessionCount).toBe(100);
    expect(DEFAULT_SIZE_LIMITS.maxCheckInSize).toBe(100 * 1024);
    expect(DEFAULT_SIZE_LIMITS.maxContainerSize).toBe(12 * MIB);
  });

  it('resolveSizeLimits overrides only the given keys', () => {
    const limits = resolveSizeLimits({ maxEventSize: 10, maxSessionCount: undefined });
    expect(limits.maxEventSize).toBe(10);
    expect(limits.maxSessionCount).toBe(100);
    expect(resolveSizeLimits()).toEqual(DEFAULT_SIZE_LIMITS);
  });
});

describe('checkEnvelopeSizeLimits', () => {
  const limits = resolveSizeLimits({
    maxEventSize: 100,
    maxAttachmentSize: 50,
    maxAttachmentsSize: 80,
    maxAttachmentCount: 3,
    maxSessionCount: 2,
    maxSessionsSize: 1_000,
    maxLogSize: 10,
    maxContainerSize: 100,
    maxStandaloneSpanCount: 2,
    maxSpanSize: 20,
    maxClientReportsCount: 2,
    maxClientReportsSize: 30,
  });

  it('accepts items within their limits', () => {
    expect(
      checkEnvelopeSizeLimits(
        envelope(
          [{ type: 'event' }, 100],
          [{ type: 'attachment' }, 40],
          [{ type: 'attachment' }, 40],
          [{ type: 'session' }, 5],
        ),
        limits,
      ),
    ).toBeUndefined();
  });

  it('limits event-like items to one per envelope and maxEventSize each', () => {
    expect(checkEnvelopeSizeLimits(envelope([{ type: 'event' }, 101]), limits)).toBe('event');
    expect(checkEnvelopeSizeLimits(envelope([{ type: 'transaction' }, 101]), limits)).toBe('transaction');
    expect(
      checkEnvelopeSizeLimits(envelope([{ type: 'event' }, 10], [{ type: 'transaction' }, 10]), limits),
    ).toBe('transaction');
    expect(checkEnvelopeSizeLimits(envelope([{ type: 'feedback' }, 101]), limits)).toBe('user_report_v2');
  });

  it('limits attachments per item, in total and in count, naming the attachment type', () => {
    expect(checkEnvelopeSizeLimits(envelope([{ type: 'attachment' }, 51]), limits)).toBe(
      'attachment:attachment',
    );
    expect(
      checkEnvelopeSizeLimits(
        envelope([{ type: 'attachment', attachment_type: 'event.minidump' }, 51]),
        limits,
      ),
    ).toBe('attachment:minidump');
    expect(
      checkEnvelopeSizeLimits(envelope([{ type: 'attachment' }, 50], [{ type: 'user_report' }, 31]), limits),
    ).toBe('user_report');
    expect(
      checkEnvelopeSizeLimits(
        envelope(
          [{ type: 'attachment' }, 1],
          [{ type: 'attachment' }, 1],
          [{ type: 'attachment' }, 1],
          [{ type: 'attachment' }, 1],
        ),
        limits,
      ),
    ).toBe('attachment:attachment');
  });

  it('limits the number of sessions and client reports', () => {
    const sessions = envelope([{ type: 'session' }, 1], [{ type: 'sessions' }, 1], [{ type: 'session' }, 1]);
    expect(checkEnvelopeSizeLimits(sessions, limits)).toBe('session');
    expect(checkEnvelopeSizeLimits(envelope([{ type: 'client_report' }, 31]), limits)).toBe('client_report');
  });

  it('checks containers by average entry size and total size', () => {
    const log = (count: number, size: number): [ItemHeaders, number] => [
      { type: 'log', content_type: 'application/vnd.sentry.items.log+json', item_count: count },
      size,
    ];
    expect(checkEnvelopeSizeLimits(envelope(log(10, 100)), limits)).toBeUndefined();
    expect(checkEnvelopeSizeLimits(envelope(log(5, 100)), limits)).toBe('log');
    expect(checkEnvelopeSizeLimits(envelope(log(100, 101)), limits)).toBe('log');
    expect(checkEnvelopeSizeLimits(envelope(log(10, 50), log(10, 50)), limits)).toBe('log');
  });

  it('counts legacy standalone spans separately from span containers', () => {
    const span: [ItemHeaders, number] = [{ type: 'span' }, 5];
    expect(checkEnvelopeSizeLimits(envelope(span, span), limits)).toBeUndefined();
    expect(checkEnvelopeSizeLimits(envelope(span, span, span), limits)).toBe('span');
    expect(checkEnvelopeSizeLimits(envelope([{ type: 'span' }, 21]), limits)).toBe('span');
  });

  it('ignores unknown item types', () => {
    expect(checkEnvelopeSizeLimits(envelope([{ type: 'something_new' }, 10_000]), limits)).toBeUndefined();
  });
});

describe('discardItemTypeName', () => {
  it.each<[ItemHeaders, string]>([
    [{ type: 'event' }, 'event'],
    [{ type: 'attachment' }, 'attachment:attachment'],
    [{ type: 'attachment', attachment_type: 'event.applecrashreport' }, 'attachment:apple_crash_report'],
    [{ type: 'attachment', attachment_type: 'made.up' }, 'attachment:attachment'],
    [{ type: 'feedback' }, 'user_report_v2'],
    [{ type: 'replay_recording' }, 'replay_recording'],
    [{ type: 'whatever' }, 'unknown'],
  ])('%j → %s', (headers, name) => {
    expect(discardItemTypeName({ headers, payload: Buffer.alloc(0) })).toBe(name);
  });
});
