import { describe, expect, it } from 'vitest';
import {
  USER_REPORT_DROP_REASONS,
  processUserReportItem,
  userReportFeedbackId,
  type ProcessedFeedback,
} from './index.js';

const RECEIVED = Date.UTC(2024, 3, 26, 7) / 1000;
const EVENT_ID = '5e0e2e8ad1c44f3f8e8e6a0b4c2d1f00';

const run = (payload: unknown): ReturnType<typeof processUserReportItem> =>
  processUserReportItem(typeof payload === 'string' ? payload : JSON.stringify(payload), {
    projectId: 3,
    receivedAt: RECEIVED,
  });

function accepted(payload: unknown): ProcessedFeedback {
  const result = run(payload);
  if (result.kind !== 'ok') throw new Error(`dropped: ${result.reason}`);
  return result.value;
}

describe('processUserReportItem', () => {
  it('converts a user report into a feedback about its event', () => {
    const record = accepted({
      event_id: '5E0E2E8A-D1C4-4F3F-8E8E-6A0B4C2D1F00',
      name: 'Jane',
      email: 'jane@example.org',
      comments: '  It crashed when I clicked save.\n',
      unknown: 'ignored',
    });
    expect(record).toMatchObject({
      projectId: 3,
      feedbackId: userReportFeedbackId(EVENT_ID),
      itemType: 'user_report',
      timestamp: RECEIVED,
      receivedAt: RECEIVED,
      message: 'It crashed when I clicked save.',
      contactEmail: 'jane@example.org',
      name: 'Jane',
      associatedEventId: EVENT_ID,
      environment: '',
      user: { email: 'jane@example.org' },
    });
    expect(record.tags).toEqual([
      ['user.email', 'jane@example.org'],
      ['associated_event_id', EVENT_ID],
      ['has_linked_error', 'true'],
    ]);
    expect(record.event).toMatchObject({
      event_id: record.feedbackId,
      type: 'feedback',
      contexts: {
        feedback: {
          message: 'It crashed when I clicked save.',
          contact_email: 'jane@example.org',
          name: 'Jane',
          associated_event_id: EVENT_ID,
        },
      },
    });
  });

  it('reads null and absent name and email as empty, and trims a trailing newline of the payload', () => {
    const record = accepted(`  ${JSON.stringify({ event_id: EVENT_ID, name: null, comments: 'ok' })}\n\r\n`);
    expect(record).toMatchObject({ name: '', contactEmail: '', message: 'ok' });
    expect(record.event.user).toBeUndefined();
    expect(record.tags[0]).toEqual(['associated_event_id', EVENT_ID]);
  });

  const invalid: Array<[string, unknown, string]> = [
    ['not JSON', '{"event_id":', 'invalid_json'],
    ['a string', '"hello"', 'invalid_json'],
    ['no event_id', { comments: 'hi' }, 'invalid_json'],
    ['a null event_id', { event_id: null, comments: 'hi' }, 'invalid_json'],
    ['a malformed event_id', { event_id: 'not-a-uuid', comments: 'hi' }, 'invalid_json'],
    ['a numeric comment', { event_id: EVENT_ID, comments: 5 }, 'invalid_json'],
    ['an object name', { event_id: EVENT_ID, name: {}, comments: 'hi' }, 'invalid_json'],
    ['missing comments', { event_id: EVENT_ID, name: 'x' }, USER_REPORT_DROP_REASONS.empty],
    ['blank comments', { event_id: EVENT_ID, comments: '   ' }, USER_REPORT_DROP_REASONS.empty],
    [
      'unattended comments',
      { event_id: EVENT_ID, comments: 'Sent in the unattended mode' },
      USER_REPORT_DROP_REASONS.unattended,
    ],
    [
      'comments over 4096',
      { event_id: EVENT_ID, comments: 'x'.repeat(4097) },
      USER_REPORT_DROP_REASONS.messageTooLarge,
    ],
    [
      'a name over 128',
      { event_id: EVENT_ID, comments: 'x', name: 'n'.repeat(129) },
      USER_REPORT_DROP_REASONS.nameTooLarge,
    ],
    [
      'an email over 75',
      { event_id: EVENT_ID, comments: 'x', email: `${'e'.repeat(70)}@x.org` },
      USER_REPORT_DROP_REASONS.emailTooLarge,
    ],
  ];
  it.each(invalid)('drops %s', (_name, payload, reason) => {
    expect(run(payload)).toEqual({ kind: 'drop', outcome: 'invalid', reason });
  });

  it('accepts the longest name and email the model allows', () => {
    const record = accepted({
      event_id: EVENT_ID,
      comments: 'x',
      name: 'n'.repeat(128),
      email: `${'e'.repeat(69)}@x.org`,
    });
    expect(record.name).toHaveLength(128);
    expect(record.contactEmail).toHaveLength(75);
  });
});

describe('userReportFeedbackId', () => {
  it('is a stable v5-layout UUID per event, distinct from the event id', () => {
    const id = userReportFeedbackId(EVENT_ID);
    expect(id).toMatch(/^[0-9a-f]{12}5[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    expect(userReportFeedbackId(EVENT_ID)).toBe(id);
    expect(userReportFeedbackId('0'.repeat(32))).not.toBe(id);
    expect(id).not.toBe(EVENT_ID);
  });
});
