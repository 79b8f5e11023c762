import { describe, expect, it, vi } from 'vitest';
import type { SentryEvent } from '../../../protocol/event.js';
import type { JsonObject } from '../../../protocol/json.js';
import { parseFilterSettings } from '../../filters/index.js';
import { DEFAULT_DATA_SCRUBBING } from '../../pii/index.js';
import {
  processErrorItem,
  processErrorPayload,
  processSymbolicatedErrorItem,
  type ErrorItemContext,
} from './process.js';

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

describe('processSymbolicatedErrorItem: symbolication between scrubbing and grouping', () => {
  /** A JavaScript event with a release and a minified frame, as the SDK sends it. */
  const jsEvent = (release: string): Buffer =>
    Buffer.from(
      JSON.stringify({
        ...payload(),
        release,
        exception: {
          values: [
            {
              type: 'TypeError',
              value: 'boom',
              stacktrace: {
                frames: [{ abs_path: 'http://app/main.min.js', lineno: 1, colno: 10, function: 'a' }],
              },
            },
          ],
        },
      }),
    );
  /** A step standing in for the symbolicator: resolves the frame to a path under a user's home. */
  const resolveToHome = vi.fn((event: JsonObject): Promise<boolean> => {
    const exception = ((event.exception as JsonObject).values as JsonObject[])[0]!;
    const frame = (exception.stacktrace as { frames: JsonObject[] }).frames[0]!;
    Object.assign(frame, {
      abs_path: '/Users/alice/app/src/cart.js',
      filename: 'src/cart.js',
      function: 'add',
    });
    return Promise.resolve(true);
  });
  const frameOf = (event: SentryEvent): JsonObject =>
    (event.exception!.values![0]!.stacktrace as { frames: JsonObject[] }).frames[0]!;

  it('never symbolicates an event an inbound filter drops', async () => {
    resolveToHome.mockClear();
    const parsed = parseFilterSettings({ releases: { releases: ['shop@9.*'] } });
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const filterSettings = parsed.settings;
    const result = await processSymbolicatedErrorItem(
      jsEvent('shop@9.1'),
      { ...ctx, filterSettings },
      resolveToHome,
    );
    expect(result).toEqual({ kind: 'drop', outcome: 'filtered', reason: 'release-version' });
    expect(resolveToHome).not.toHaveBeenCalled();
  });

  it('scrubs what symbolication added with the same settings, then groups the resolved frames', async () => {
    // An advanced rule on frame paths (Relay's `$frame.abs_path`, pii "maybe": explicit selectors only).
    const scrubbing = {
      ...DEFAULT_DATA_SCRUBBING,
      piiConfig: { applications: { '$frame.abs_path': ['@userpath:replace'] } },
    };
    const result = await processSymbolicatedErrorItem(
      jsEvent('shop@1.0'),
      { ...ctx, scrubbing },
      resolveToHome,
    );
    if (result.kind !== 'ok') throw new Error('dropped');
    const frame = frameOf(result.value.event);
    expect(frame.abs_path).toBe('/Users/[user]/app/src/cart.js');
    expect(frame.function).toBe('add');
    const unresolved = processErrorItem(jsEvent('shop@1.0'), { ...ctx, scrubbing });
    if (unresolved.kind !== 'ok') throw new Error('dropped');
    expect(result.value.hashes).not.toEqual(unresolved.value.hashes);
  });
});
