import { describe, expect, it } from 'vitest';
import { contentDisposition, serializeAttachment } from './attachment.js';

describe('serializeAttachment', () => {
  it("has Sentry's EventAttachment shape", () => {
    expect(
      serializeAttachment({
        projectId: 1,
        eventId: 'ab'.repeat(16),
        attachmentId: 'cd'.repeat(16),
        timestamp: new Date('2025-01-02T03:04:05.678Z'),
        name: 'log.txt',
        contentType: 'text/plain',
        attachmentType: 'event.attachment',
        size: 12,
        sha1: '0'.repeat(40),
      }),
    ).toEqual({
      id: 'cd'.repeat(16),
      event_id: 'ab'.repeat(16),
      type: 'event.attachment',
      name: 'log.txt',
      mimetype: 'text/plain',
      dateCreated: '2025-01-02T03:04:05.678Z',
      size: 12,
      headers: { 'Content-Type': 'text/plain' },
      sha1: '0'.repeat(40),
    });
  });
});

describe('contentDisposition', () => {
  it('quotes the base name with whitespace folded', () => {
    expect(contentDisposition('logs/app  final.log')).toBe('attachment; filename="app final.log"');
  });

  it('keeps header-safe ASCII and adds an RFC 5987 name for the rest', () => {
    expect(contentDisposition('rapport "été".txt')).toBe(
      `attachment; filename="rapport __t__.txt"; filename*=UTF-8''${encodeURIComponent('rapport "été".txt')}`,
    );
  });
});
