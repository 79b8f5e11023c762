import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../protocol/json.js';
import { DEFAULT_DATA_SCRUBBING } from '../../pii/index.js';
import { scrubRecording } from './scrub-recording.js';

const CARD = '4242-4242-4242-4242';

function recording(): JsonValue[] {
  return [
    { type: 4, timestamp: 1, data: { href: 'http://shop/' } },
    {
      type: 2,
      timestamp: 2,
      data: {
        node: {
          type: 0,
          id: 1,
          childNodes: [
            {
              type: 2,
              id: 2,
              tagName: 'body',
              attributes: {},
              childNodes: [
                { type: 3, id: 3, textContent: `Card ${CARD}` },
                { type: 3, id: 4, textContent: 'Add to cart' },
                {
                  type: 2,
                  id: 5,
                  tagName: 'img',
                  attributes: { src: 'https://cdn/avatar.png' },
                  childNodes: [],
                },
                {
                  type: 2,
                  id: 6,
                  tagName: 'script',
                  attributes: {},
                  childNodes: [{ type: 3, id: 7, textContent: `var card = "${CARD}"` }],
                },
              ],
            },
          ],
        },
        initialOffset: { left: 0, top: 0 },
      },
    },
    {
      type: 3,
      timestamp: 3,
      data: {
        source: 0,
        texts: [],
        attributes: [],
        removes: [],
        adds: [{ parentId: 2, nextId: null, node: { type: 3, id: 8, textContent: CARD } }],
      },
    },
    { type: 3, timestamp: 4, data: { source: 5, id: 9, text: CARD, isChecked: false } },
    {
      type: 5,
      timestamp: 5,
      data: { tag: 'breadcrumb', payload: { category: 'console', message: `paid with ${CARD}` } },
    },
    {
      type: 5,
      timestamp: 6,
      data: {
        tag: 'performanceSpan',
        payload: { op: 'resource.fetch', description: `https://api/pay?card=${CARD}` },
      },
    },
  ];
}

describe('scrubRecording', () => {
  it("scrubs text, inputs, breadcrumb messages and span descriptions like Relay's RecordingScrubber", () => {
    const events = recording();
    expect(scrubRecording(events, DEFAULT_DATA_SCRUBBING)).toBe(true);
    const text = JSON.stringify(events);
    const body = (events[1] as { data: { node: { childNodes: Array<{ childNodes: JsonValue[] }> } } }).data
      .node.childNodes[0]!.childNodes;
    expect(body[0]).toMatchObject({ textContent: 'Card [Filtered]' });
    expect(body[1]).toMatchObject({ textContent: 'Add to cart' });
    expect(body[2]).toMatchObject({ attributes: { src: '#' } });
    // Script contents are skipped, as in Relay.
    expect(body[3]).toMatchObject({ childNodes: [{ textContent: `var card = "${CARD}"` }] });
    expect(text.split(CARD)).toHaveLength(2);
  });

  it('changes nothing when the project does not scrub', () => {
    const events = recording();
    expect(scrubRecording(events, { ...DEFAULT_DATA_SCRUBBING, scrubData: false })).toBe(false);
    expect(events).toEqual(recording());
  });

  it('reports no change for a recording without pii', () => {
    const events: JsonValue[] = [{ type: 3, timestamp: 1, data: { source: 5, id: 1, text: 'hello' } }];
    expect(scrubRecording(events, DEFAULT_DATA_SCRUBBING)).toBe(false);
  });
});
