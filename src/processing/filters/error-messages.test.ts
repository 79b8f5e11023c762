// Ports the tests of relay-filter/src/error_messages.rs: test_should_filter_exception (both
// configs × all cases), test_filter_hydration_error, test_filter_chunk_load_error.
import { describe, expect, it } from 'vitest';
import { errorMessagesFilter } from './error-messages.js';
import { eventFilterable } from './filterable.js';
import { GlobPatterns } from './glob.js';

const configs = [
  ['filteredexception*', '*this is a filtered exception.', '', 'this is'],
  ['filteredexception: this is a filtered exception.', 'filteredexception', 'this is a filtered exception.'],
];

// [exception type, exception value, logentry.formatted, should ingest]
const cases: [string | undefined, string | undefined, string, boolean][] = [
  ['UnfilteredException', undefined, 'UnfilteredException', true],
  [undefined, 'This is an unfiltered exception.', 'This is an unfiltered exception.', true],
  [undefined, undefined, 'This is an unfiltered exception.', true],
  [undefined, undefined, '', true],
  [
    'UnfilteredException',
    'This is an unfiltered exception.',
    'UnfilteredException: This is an unfiltered exception.',
    true,
  ],
  ['FilteredException', undefined, 'FilteredException', false],
  [undefined, 'This is a filtered exception.', 'This is a filtered exception.', false],
  [undefined, undefined, 'This is a filtered exception.', false],
  [
    'FilteredException',
    'This is a filtered exception.',
    'FilteredException: This is a filtered exception.',
    false,
  ],
  [
    'OtherException',
    'This is a random exception.',
    'FilteredException: This is a filtered exception.',
    false,
  ],
  [undefined, undefined, 'FilteredException: This is a filtered exception.', false],
  ['FilteredException', 'This is a filtered exception.', 'hi this is a legit log message', false],
];

describe('error messages filter', () => {
  for (const [i, config] of configs.entries()) {
    it.each(cases)(
      `config ${i}: type %s value %s logentry %s → ingest %s`,
      (ty, value, formatted, ingest) => {
        const exception: Record<string, string> = {};
        if (ty !== undefined) exception.type = ty;
        if (value !== undefined) exception.value = value;
        const event = eventFilterable({ exception: { values: [exception] }, logentry: { formatted } });
        const verdict = errorMessagesFilter(event, new GlobPatterns(config));
        expect(verdict).toEqual(ingest ? { filtered: false } : { filtered: true, statKey: 'error-message' });
      },
    );
  }

  it('filters React hydration errors with an alternation glob', () => {
    const patterns = new GlobPatterns([
      '*https://reactjs.org/docs/error-decoder.html?invariant={418,419,422,423,425}*',
    ]);
    const event = eventFilterable({
      exception: {
        values: [
          {
            type: 'Error',
            value:
              'Minified React error #423; visit https://reactjs.org/docs/error-decoder.html?invariant=423 for the full message or use the non-minified dev environment for full errors and additional helpful warnings.',
          },
        ],
      },
    });
    expect(errorMessagesFilter(event, patterns)).toEqual({ filtered: true, statKey: 'error-message' });
  });

  it('filters chunk load errors from the log entry', () => {
    const patterns = new GlobPatterns([
      'ChunkLoadError: Loading chunk *',
      '*Uncaught *: ChunkLoadError: Loading chunk *',
    ]);
    for (const error of [
      'Error: Uncaught (in promise): ChunkLoadError: Loading chunk 175 failed.',
      'Uncaught (in promise): ChunkLoadError: Loading chunk 175 failed.',
      'ChunkLoadError: Loading chunk 552 failed.',
    ]) {
      expect(
        errorMessagesFilter(eventFilterable({ logentry: { formatted: error } }), patterns).filtered,
        error,
      ).toBe(true);
    }
  });

  it('falls back to logentry.message only without formatted', () => {
    const patterns = new GlobPatterns(['secret*']);
    expect(
      errorMessagesFilter(eventFilterable({ logentry: { message: 'secret %s' } }), patterns).filtered,
    ).toBe(true);
    expect(
      errorMessagesFilter(
        eventFilterable({ logentry: { message: 'secret %s', formatted: 'public' } }),
        patterns,
      ).filtered,
    ).toBe(false);
  });
});
