import { describe, expect, it } from 'vitest';
import { processErrorPayload, type ErrorItemContext } from './process.js';

const ctx: ErrorItemContext = { projectId: 1, receivedAt: 1_700_000_000 };
const payload = (): Record<string, unknown> => ({
  event_id: 'a'.repeat(32),
  timestamp: 1_700_000_000,
  platform: 'javascript',
  exception: { values: [{ type: 'TypeError', value: 'boom' }] },
});

describe('processErrorPayload and the replay of the dynamic sampling context', () => {
  it("sets contexts.replay from the DSC's replay_id, as Relay does", () => {
    const result = processErrorPayload(payload(), { ...ctx, dscReplayId: 'AB'.repeat(16) });
    if (result.kind !== 'ok') throw new Error('dropped');
    expect(result.value.event.contexts?.replay).toEqual({ replay_id: 'ab'.repeat(16), type: 'replay' });
    expect(result.value.record.replay_id).toBe('ab'.repeat(16));
  });

  it('leaves events without a (valid) DSC replay id alone', () => {
    for (const dscReplayId of [undefined, 'not-a-uuid', 42]) {
      const result = processErrorPayload(payload(), { ...ctx, dscReplayId });
      if (result.kind !== 'ok') throw new Error('dropped');
      expect(result.value.event.contexts?.replay).toBeUndefined();
    }
  });
});
