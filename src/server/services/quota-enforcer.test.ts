import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryCounterBackend, RateLimiter, type CounterBackend } from '../../quotas/index.js';
import { parseProjectConfig, type ProjectConfig } from '../../processing/project-config/index.js';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import { RATE_LIMITED_HEADER } from '../ingest/index.js';
import { OutcomeCounter } from './outcome-counter.js';
import { QuotaEnforcer } from './quota-enforcer.js';
import { acceptedEnvelope } from './test-envelope.js';

const logger = pino({ level: 'silent' });
/** 10:00:30 on some day, ms: a fixed clock inside one 60-s window for organization 1 (shift 1 s). */
const NOW = Date.UTC(2026, 10, 21, 10, 0, 30);

function config(raw: object): ProjectConfig {
  const parsed = parseProjectConfig(raw);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

function item(type: string, payload = '{}', headers: Record<string, string> = {}): EnvelopeItem {
  return { headers: { type, ...headers }, payload: Buffer.from(payload) };
}

function setup(clock = () => NOW, backend: CounterBackend = new MemoryCounterBackend(clock)) {
  const outcomes = new OutcomeCounter();
  const enforcer = new QuotaEnforcer({
    limiter: new RateLimiter(backend, clock),
    outcomes,
    logger,
    now: clock,
  });
  return { outcomes, enforcer };
}

const ERRORS_2 = config({
  quotas: [
    { id: 'errors', categories: ['error'], scope: 'project', limit: 2, window: 60, reasonCode: 'too_many' },
  ],
});

describe('QuotaEnforcer', () => {
  it('counts events in processing, drops the one over quota with its attachments, then refuses at the edge', async () => {
    const { outcomes, enforcer } = setup();
    const send = () =>
      acceptedEnvelope({
        items: [item('event'), item('attachment', 'abcd'), item('user_report'), item('log', '{}', {})],
        config: ERRORS_2,
      });
    for (let i = 0; i < 2; i++) {
      const accepted = send();
      expect(enforcer.checkCached(accepted).rejected).toBe(false);
      await enforcer.enforce(accepted);
      expect(accepted.envelope.items).toHaveLength(4);
    }
    const third = send();
    expect(enforcer.checkCached(third).rejected).toBe(false);
    await enforcer.enforce(third);
    // The event and what requires it are gone; the log is not an error and stays.
    expect(third.envelope.items.map((i) => i.headers.type)).toEqual(['log']);
    expect(outcomes.total('rate_limited', 'error', 'too_many')).toBe(1);
    expect(outcomes.total('rate_limited', 'attachment', 'too_many')).toBe(4);
    expect(outcomes.total('rate_limited', 'attachment_item', 'too_many')).toBe(1);
    expect(outcomes.total('rate_limited', 'feedback', 'too_many')).toBe(1);

    // The rejection is cached: the next event-only envelope is refused at the edge, uncounted.
    const fourth = acceptedEnvelope({ items: [item('event')], config: ERRORS_2 });
    const verdict = enforcer.checkCached(fourth);
    expect(verdict.rejected).toBe(true);
    expect(fourth.envelope.items).toEqual([]);
    const entries = verdict.limits.toHeaderEntries(NOW);
    expect(entries).toEqual([
      { retryAfterSeconds: 31, categories: ['error'], scope: 'project', reasonCode: 'too_many' },
    ]);
    expect(outcomes.total('rate_limited', 'error', 'too_many')).toBe(2);
  });

  it('admits again once the window has ended', async () => {
    let now = NOW;
    const { enforcer } = setup(() => now);
    const send = () => acceptedEnvelope({ items: [item('event')], config: ERRORS_2 });
    for (let i = 0; i < 3; i++) await enforcer.enforce(send());
    expect(enforcer.checkCached(send()).rejected).toBe(true);
    now += 31_000;
    const next = send();
    expect(enforcer.checkCached(next).rejected).toBe(false);
    await enforcer.enforce(next);
    expect(next.envelope.items).toHaveLength(1);
  });

  it('rejects everything a reject-all quota covers at the edge, reporting 60 s', () => {
    const { outcomes, enforcer } = setup();
    const accepted = acceptedEnvelope({
      items: [item('transaction'), item('profile')],
      config: config({ quotas: [{ categories: ['transaction'], limit: 0, reasonCode: 'disabled' }] }),
    });
    const verdict = enforcer.checkCached(accepted);
    expect(verdict.rejected).toBe(true);
    expect(verdict.limits.toHeaderEntries(NOW)[0]).toMatchObject({
      retryAfterSeconds: 60,
      categories: ['transaction'],
    });
    expect(outcomes.total('rate_limited', 'transaction', 'disabled')).toBe(1);
    expect(outcomes.total('rate_limited', 'profile', 'disabled')).toBe(1);
  });

  it('keeps a crash attachment over an attachment quota, flagged with the reason', async () => {
    const { enforcer } = setup();
    const accepted = acceptedEnvelope({
      items: [
        item('attachment', 'MDMP....', { attachment_type: 'event.minidump' }),
        item('attachment', 'plain'),
      ],
      config: config({
        quotas: [
          { id: 'a', categories: ['attachment'], scope: 'project', limit: 5, window: 60, reasonCode: 'big' },
        ],
      }),
    });
    await enforcer.enforce(accepted);
    expect(accepted.envelope.items).toHaveLength(1);
    expect(accepted.envelope.items[0]!.headers[RATE_LIMITED_HEADER]).toBe('big');
  });

  it('leaves envelopes of projects without quotas alone, and admits when the counters fail', async () => {
    const failing: CounterBackend = { consume: () => Promise.reject(new Error('redis down')) };
    const { outcomes, enforcer } = setup(() => NOW, failing);
    const plain = acceptedEnvelope({ items: [item('event')] });
    expect(enforcer.checkCached(plain)).toMatchObject({ rejected: false });
    await enforcer.enforce(plain);
    const limited = acceptedEnvelope({ items: [item('event')], config: ERRORS_2 });
    await enforcer.enforce(limited);
    expect(limited.envelope.items).toHaveLength(1);
    expect(outcomes.total('rate_limited')).toBe(0);
  });

  it('shares one quota between two enforcers on the same counters (two nodes on one Redis)', async () => {
    const backend = new MemoryCounterBackend(() => NOW);
    const a = setup(() => NOW, backend).enforcer;
    const b = setup(() => NOW, backend).enforcer;
    const results: number[] = [];
    for (const enforcer of [a, b, a, b]) {
      const accepted = acceptedEnvelope({ items: [item('event')], config: ERRORS_2 });
      await enforcer.enforce(accepted);
      results.push(accepted.envelope.items.length);
    }
    expect(results).toEqual([1, 1, 0, 0]);
  });
});
