import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../protocol/outcome.js';
import { OutcomeTally } from './outcome-tally.js';

const scoping = (projectId: number, keyId = 1) => ({ organizationId: 1, projectId, keyId });
const accepted = (projectId: number, quantity: number, keyId = 1): Outcome => ({
  outcome: 'accepted',
  reason: null,
  category: 'log_item',
  quantity,
  scoping: scoping(projectId, keyId),
});

describe('OutcomeTally', () => {
  it('sums per scoping, outcome, reason, category and timestamp, and drains once', () => {
    const tally = new OutcomeTally();
    tally.record(accepted(1, 2));
    tally.record(accepted(2, 5));
    tally.record(accepted(1, 3));
    tally.record(accepted(1, 4, 9));
    tally.record({ ...accepted(1, 1), reason: '' });
    tally.record({ ...accepted(1, 1), timestamp: 1_700_000_000 });
    tally.record({ ...accepted(1, 6), category: 'log_byte' });
    tally.record(accepted(3, 0));
    const recorded: Outcome[] = [];
    tally.drainTo({ record: (o) => recorded.push(o) });
    expect(recorded).toEqual([
      accepted(1, 5),
      accepted(2, 5),
      accepted(1, 4, 9),
      { ...accepted(1, 1), reason: '' },
      { ...accepted(1, 1), timestamp: 1_700_000_000 },
      { ...accepted(1, 6), category: 'log_byte' },
    ]);
    expect(tally.isEmpty).toBe(true);
    tally.drainTo({ record: (o) => recorded.push(o) });
    expect(recorded).toHaveLength(6);
  });

  it('does not change the outcomes it was given', () => {
    const tally = new OutcomeTally();
    const first = accepted(1, 2);
    tally.record(first);
    tally.record(accepted(1, 3));
    expect(first.quantity).toBe(2);
  });
});
