// Ports the tests of relay-filter/src/releases.rs (test_release_filtering: simple and pattern
// matches and non-matches, Sentry compatibility cases), for events and spans.
import { describe, expect, it } from 'vitest';
import { eventFilterable, spanFilterable } from './filterable.js';
import { GlobPatterns } from './glob.js';
import { releasesFilter } from './releases.js';

const cases: [string, string[], boolean][] = [
  ['1.2.3', ['1.3.0', '1.2.3', '1.3.1'], true],
  ['1.2.3', ['1.3.0', '1.3.1', '1.2.3'], true],
  ['1.2.3', ['1.2.3', '1.3.0', '1.3.1'], true],
  ['1.2.3', ['1.3.0', '1.2.*', '1.3.1'], true],
  ['1.2.3', ['1.3.0', '1.3.*', '1.*'], true],
  ['1.2.3', ['*', '1.3.0', '1.3.*'], true],
  ['1.2.3', ['1.3.0', '1.2.4', '1.3.1'], false],
  ['1.2.3', ['1.4.0', '1.3.*', '3.*'], false],
  ['1.2.3', [], false],
  ['1.2.3', ['1.1.1', '1.1.2', '1.3.1'], false],
  ['1.2.3', ['1.2.3'], true],
  ['1.2.3', ['1.2.*', '1.3.0', '1.3.1'], true],
  ['1.2.3', ['1.3.0', '1.*', '1.3.1'], true],
];

describe('releases filter', () => {
  it.each(cases)('release %s with %j → %s', (release, blocked, expected) => {
    const patterns = new GlobPatterns(blocked);
    expect(releasesFilter(eventFilterable({ release }), patterns).filtered).toBe(expected);
    expect(releasesFilter(spanFilterable({ data: { 'sentry.release': release } }), patterns).filtered).toBe(
      expected,
    );
  });

  it('uses the release-version stat key, matches case-insensitively and ignores events without release', () => {
    expect(
      releasesFilter(eventFilterable({ release: 'My-App@1.0' }), new GlobPatterns(['my-app@1.*'])),
    ).toEqual({
      filtered: true,
      statKey: 'release-version',
    });
    expect(releasesFilter(eventFilterable({}), new GlobPatterns(['*'])).filtered).toBe(false);
  });
});
