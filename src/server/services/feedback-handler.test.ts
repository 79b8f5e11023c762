import { beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../protocol/outcome.js';
import { USER_REPORT_DROP_REASONS, userReportFeedbackId } from '../../processing/items/feedback/index.js';
import type { AcceptedEnvelope } from '../ingest/index.js';
import { acceptedEnvelope } from './test-envelope.js';
import { FeedbackItemHandler, userReportEnvelope } from './feedback-handler.js';
import { parseProjectConfig } from '../../processing/project-config/index.js';

const RECEIVED = 1_740_830_400; // 2025-03-01T12:00:00Z
const ENVELOPE_ID = 'ab'.repeat(16);
const ERROR_ID = 'cd'.repeat(16);

let outcomes: Outcome[];
let rows: string[];
let accept: boolean;

beforeEach(() => {
  outcomes = [];
  rows = [];
  accept = true;
});

function handler(): FeedbackItemHandler {
  return new FeedbackItemHandler({
    sink: { push: (lines) => (accept ? (rows.push(...lines), true) : false) },
    outcomes: { record: (o) => outcomes.push(o) },
    retentionDays: 30,
  });
}

/** The scoping of {@link envelope}'s default envelope. */
const scoping = { organizationId: 1, projectId: 5, keyId: 1 };

function envelope(projectId = 5): AcceptedEnvelope {
  return acceptedEnvelope({
    headers: { event_id: ENVELOPE_ID, sent_at: '2025-03-01T12:00:00Z' },
    projectId,
    meta: { receivedAt: RECEIVED, clientIp: '198.51.100.4', userAgent: 'sentry.javascript.node/11.11.0' },
  });
}

const item = (type: string, payload: unknown) => ({
  headers: { type },
  payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
});

const parsedRows = (): Array<Record<string, unknown>> =>
  rows.map((r) => JSON.parse(r) as Record<string, unknown>);

describe('FeedbackItemHandler', () => {
  it('stores feedback events and user reports as feedback rows and counts them accepted on flush', async () => {
    const h = handler();
    h.handle(
      envelope(),
      item('feedback', {
        type: 'feedback',
        level: 'info',
        timestamp: RECEIVED - 1,
        contexts: {
          feedback: { message: 'Great app', contact_email: 'a@b.org', associated_event_id: ERROR_ID },
        },
      }),
    );
    h.handle(
      envelope(),
      item('user_report', { event_id: ERROR_ID, name: 'Bo', email: 'bo@x.org', comments: 'Broke' }),
    );
    expect(rows).toEqual([]);
    expect(outcomes).toEqual([]);
    await h.flush();
    expect(parsedRows()).toMatchObject([
      {
        project_id: 5,
        // The envelope header's event id wins over the payload's (Relay).
        feedback_id: ENVELOPE_ID,
        item_type: 'feedback',
        timestamp: '2025-03-01 11:59:59.000',
        received: '2025-03-01 12:00:00.000',
        message: 'Great app',
        contact_email: 'a@b.org',
        associated_event_id: ERROR_ID,
        user_email: 'a@b.org',
        retention_days: 30,
      },
      {
        project_id: 5,
        feedback_id: userReportFeedbackId(ERROR_ID),
        item_type: 'user_report',
        message: 'Broke',
        name: 'Bo',
        contact_email: 'bo@x.org',
        associated_event_id: ERROR_ID,
      },
    ]);
    expect(outcomes).toEqual([
      { outcome: 'accepted', reason: null, category: 'feedback', quantity: 2, scoping },
    ]);
  });

  it('records invalid items at once and stores nothing for them', async () => {
    const h = handler();
    h.handle(envelope(), item('feedback', '{not json'));
    h.handle(envelope(), item('feedback', { contexts: { feedback: { message: '  ' } } }));
    h.handle(envelope(), item('user_report', { event_id: ERROR_ID, comments: '' }));
    h.handle(envelope(), item('session', { sid: 'x' }));
    await h.flush();
    expect(rows).toEqual([]);
    expect(outcomes).toEqual([
      { outcome: 'invalid', reason: 'invalid_json', category: 'feedback', quantity: 1, scoping },
      { outcome: 'invalid', reason: 'Empty Feedback Message', category: 'feedback', quantity: 1, scoping },
      {
        outcome: 'invalid',
        reason: USER_REPORT_DROP_REASONS.empty,
        category: 'feedback',
        quantity: 1,
        scoping,
      },
    ]);
  });

  it('waits while the sink is full and stores each row once', async () => {
    const h = handler();
    h.handle(envelope(), item('user_report', { event_id: ERROR_ID, comments: 'x' }));
    accept = false;
    const flushing = h.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(outcomes).toEqual([]);
    accept = true;
    await flushing;
    await h.flush();
    expect(rows).toHaveLength(1);
    expect(outcomes).toEqual([
      { outcome: 'accepted', reason: null, category: 'feedback', quantity: 1, scoping },
    ]);
  });

  it('records the accepted outcomes of a batch per project, each with its own scoping', async () => {
    const h = handler();
    const report = (comments: string) => item('user_report', { event_id: ERROR_ID, comments });
    h.handle(envelope(6), report('a'));
    h.handle(envelope(), report('b'));
    h.handle(envelope(6), report('c'));
    h.handle(envelope(6), item('feedback', '{not json'));
    await h.flush();
    expect(rows).toHaveLength(3);
    const other = { organizationId: 1, projectId: 6, keyId: 1 };
    expect(outcomes).toEqual([
      { outcome: 'invalid', reason: 'invalid_json', category: 'feedback', quantity: 1, scoping: other },
      { outcome: 'accepted', reason: null, category: 'feedback', quantity: 2, scoping: other },
      { outcome: 'accepted', reason: null, category: 'feedback', quantity: 1, scoping },
    ]);
  });
});

describe('userReportEnvelope', () => {
  it('wraps an API report in a user_report envelope with the project config, which the handler processes', async () => {
    const parsed = parseProjectConfig({ filterSettings: { localhost: { isEnabled: true } } });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const config = parsed.config;
    const accepted = userReportEnvelope({
      projectId: 9,
      organizationId: 2,
      keyId: 0,
      publicKey: '',
      report: { event_id: ERROR_ID, name: 'Al', email: 'al@x.org', comments: 'Hello' },
      receivedAt: RECEIVED,
      clientIp: '127.0.0.1',
      config,
    });
    expect(accepted.config).toBe(config);
    expect(accepted.envelope.items.map((i) => i.headers)).toEqual([{ type: 'user_report', length: 97 }]);
    expect(accepted.sizeBytes).toBe(97);
    const h = handler();
    for (const i of accepted.envelope.items) h.handle(accepted, i);
    await h.flush();
    expect(parsedRows()).toMatchObject([
      { project_id: 9, message: 'Hello', name: 'Al', received: '2025-03-01 12:00:00.000' },
    ]);
    expect(outcomes).toEqual([
      {
        outcome: 'accepted',
        reason: null,
        category: 'feedback',
        quantity: 1,
        scoping: { organizationId: 2, projectId: 9, keyId: 0 },
      },
    ]);
  });
});
