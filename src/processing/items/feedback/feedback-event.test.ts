import { describe, expect, it } from 'vitest';
import {
  FEEDBACK_DROP_REASONS,
  processFeedbackItem,
  type FeedbackItemContext,
  type ProcessedFeedback,
} from './index.js';

// A fixed receive time: 2024-04-26T07:00:00Z.
const RECEIVED = Date.UTC(2024, 3, 26, 7) / 1000;
const EVENT_ID = '9ec79c33ec9942ab8353589fcb2e04dc';
const ERROR_ID = 'aa11bb22cc33dd44ee55ff6600112233';
const REPLAY_ID = 'bb'.repeat(16);
const TRACE_ID = 'cd'.repeat(16);

const ctx = (extra: Partial<FeedbackItemContext> = {}): FeedbackItemContext => ({
  projectId: 7,
  receivedAt: RECEIVED,
  clientIp: '203.0.113.9',
  ...extra,
});

/** A feedback event as @sentry/node's `captureFeedback` builds it. */
const sdkFeedback = (feedback: Record<string, unknown>, extra: Record<string, unknown> = {}): object => ({
  event_id: EVENT_ID,
  type: 'feedback',
  level: 'info',
  timestamp: RECEIVED - 2,
  platform: 'node',
  release: 'app@1.2.3',
  contexts: {
    feedback: { message: 'The checkout button does nothing', ...feedback },
    trace: { trace_id: TRACE_ID, span_id: 'ab'.repeat(8) },
  },
  ...extra,
});

function run(payload: unknown, extra?: Partial<FeedbackItemContext>): ReturnType<typeof processFeedbackItem> {
  return processFeedbackItem(
    Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    ctx(extra),
  );
}

function accepted(payload: unknown, extra?: Partial<FeedbackItemContext>): ProcessedFeedback {
  const result = run(payload, extra);
  if (result.kind !== 'ok') throw new Error(`dropped: ${result.reason}`);
  return result.value;
}

describe('processFeedbackItem', () => {
  it('turns an SDK feedback event into a feedback record', () => {
    const record = accepted(
      sdkFeedback({
        contact_email: 'jane@example.org',
        name: 'Jane',
        url: 'https://shop.example.org/checkout',
        source: 'api',
        associated_event_id: 'AA11BB22-CC33-DD44-EE55-FF6600112233',
        replay_id: REPLAY_ID,
      }),
    );
    expect(record).toMatchObject({
      projectId: 7,
      feedbackId: EVENT_ID,
      itemType: 'feedback',
      timestamp: RECEIVED - 2,
      receivedAt: RECEIVED,
      message: 'The checkout button does nothing',
      contactEmail: 'jane@example.org',
      name: 'Jane',
      url: 'https://shop.example.org/checkout',
      source: 'api',
      associatedEventId: ERROR_ID,
      replayId: REPLAY_ID,
      traceId: TRACE_ID,
      release: 'app@1.2.3',
      environment: 'production',
      platform: 'node',
      level: 'info',
      // Sentry uses the contact address as the user's email when the event has none.
      user: { id: '', email: 'jane@example.org', username: '', ipAddress: '', name: '' },
    });
    expect(record.tags).toEqual([
      ['user.email', 'jane@example.org'],
      ['associated_event_id', ERROR_ID],
      ['has_linked_error', 'true'],
      ['release', 'app@1.2.3'],
    ]);
    expect(record.event.type).toBe('feedback');
    expect(record.event.contexts?.replay).toEqual({ replay_id: REPLAY_ID });
    expect(record.event.user).toEqual({ email: 'jane@example.org' });
  });

  it('keeps the feedback context unscrubbed while the rest of the event is scrubbed', () => {
    const record = accepted(
      sdkFeedback(
        { message: 'my password=hunter2 stopped working', url: 'https://x.example/?token=abc' },
        { extra: { password: 'hunter2' }, user: { id: 42, ip_address: '{{auto}}' } },
      ),
    );
    expect(record.message).toBe('my password=hunter2 stopped working');
    expect(record.url).toBe('https://x.example/?token=abc');
    expect(record.event.extra).toEqual({ password: '[Filtered]' });
    // `{{auto}}` resolves to the client IP; the numeric id becomes text.
    expect(record.user).toMatchObject({ id: '42', ipAddress: '203.0.113.9' });
    expect(record.tags).toContainEqual(['has_linked_error', 'false']);
  });

  it('takes the envelope event id and the replay of the replay context', () => {
    const record = accepted(
      sdkFeedback(
        {},
        {
          event_id: undefined,
          environment: 'staging',
          contexts: { feedback: { message: 'hi' }, replay: { replay_id: REPLAY_ID } },
        },
      ),
      { envelopeEventId: '0123456789abcdef0123456789abcdef' },
    );
    expect(record).toMatchObject({
      feedbackId: '0123456789abcdef0123456789abcdef',
      replayId: REPLAY_ID,
      environment: 'staging',
      traceId: '',
      associatedEventId: '',
    });
  });

  it('treats a falsy associated_event_id as absent', () => {
    for (const value of ['', 0, null, false]) {
      expect(accepted(sdkFeedback({ associated_event_id: value })).associatedEventId).toBe('');
    }
  });

  it('ignores a replay id that is not a UUID', () => {
    expect(accepted(sdkFeedback({ replay_id: 'nope' })).replayId).toBe('');
  });

  const invalid: Array<[string, unknown, string]> = [
    ['not JSON', '{"type": "feedback"', 'invalid_json'],
    ['a JSON array', '[]', 'invalid_json'],
    ['a lone surrogate escape', '{"contexts":{"feedback":{"message":"\\ud800"}}}', 'invalid_json'],
    ['no feedback context', { type: 'feedback', message: 'hello' }, FEEDBACK_DROP_REASONS.missingContext],
    ['a context without message', sdkFeedback({ message: undefined }), FEEDBACK_DROP_REASONS.missingContext],
    ['a message that is not a string', sdkFeedback({ message: 42 }), FEEDBACK_DROP_REASONS.missingContext],
    ['an empty message', sdkFeedback({ message: '' }), FEEDBACK_DROP_REASONS.empty],
    ['a blank message', sdkFeedback({ message: ' \n\t ' }), FEEDBACK_DROP_REASONS.empty],
    [
      'the unattended message',
      sdkFeedback({ message: 'Sent in the unattended mode' }),
      FEEDBACK_DROP_REASONS.unattended,
    ],
    [
      'a message over 4096 code points',
      sdkFeedback({ message: '😀'.repeat(4097) }),
      FEEDBACK_DROP_REASONS.tooLarge,
    ],
    [
      'a malformed associated_event_id',
      sdkFeedback({ associated_event_id: 'abc' }),
      FEEDBACK_DROP_REASONS.invalidEventId,
    ],
    [
      'a numeric associated_event_id',
      sdkFeedback({ associated_event_id: 12 }),
      FEEDBACK_DROP_REASONS.invalidEventId,
    ],
  ];
  it.each(invalid)('drops %s', (_name, payload, reason) => {
    expect(run(payload)).toEqual({ kind: 'drop', outcome: 'invalid', reason });
  });

  it('accepts a message of exactly 4096 code points', () => {
    expect(accepted(sdkFeedback({ message: '😀'.repeat(4096) })).message).toHaveLength(8192);
  });
});
