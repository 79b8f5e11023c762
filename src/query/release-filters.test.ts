import { describe, expect, it } from 'vitest';
import type { SearchFilter, SearchOperator } from './filters.js';
import { INVALID_SEMVER_MESSAGE, releaseColumns, selectReleases } from './release-filters.js';

const RELEASES = [
  'app@1.2.3',
  'app@1.2.4-rc.1',
  'app@1.2.4',
  'app@1.10.0+45',
  'app@2.0.0-beta',
  'app@2.0.0+abc123',
  'other@1.2.3',
  'legacy-build',
  '1.2.3',
];

const filter = (key: string, operator: SearchOperator, value: string | string[]): SearchFilter => ({
  type: 'filter',
  key,
  operator,
  value: Array.isArray(value) ? { kind: 'textList', values: value } : { kind: 'text', value },
});

function select(key: string, operator: SearchOperator, value: string | string[]): string[] {
  const result = selectReleases(filter(key, operator, value), RELEASES);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('releaseColumns', () => {
  it('has semver columns only for package@version names that parse', () => {
    expect(releaseColumns('app@1.10.0+45')).toEqual({
      version: 'app@1.10.0+45',
      package: 'app',
      semver: [1n, 10n, 0n, 0n, 1n, ''],
      buildCode: '45',
      buildNumber: 45n,
    });
    expect(releaseColumns('app@2.0.0-beta').semver).toEqual([2n, 0n, 0n, 0n, 0n, 'beta']);
    expect(releaseColumns('1.2.3').semver).toBeNull();
    expect(releaseColumns('legacy-build')).toMatchObject({ package: null, semver: null, buildCode: null });
    expect(releaseColumns('app@1.0.0+abc').buildNumber).toBeNull();
  });
});

describe('release.version', () => {
  it.each<[SearchOperator, string, string[]]>([
    ['>', '1.2.3', ['app@1.2.4-rc.1', 'app@1.2.4', 'app@1.10.0+45', 'app@2.0.0-beta', 'app@2.0.0+abc123']],
    ['>=', '1.2.4', ['app@1.2.4', 'app@1.10.0+45', 'app@2.0.0-beta', 'app@2.0.0+abc123']],
    ['<', '1.2.4', ['app@1.2.3', 'app@1.2.4-rc.1', 'other@1.2.3']],
    ['<=', '1.2.3', ['app@1.2.3', 'other@1.2.3']],
    ['=', '1.2.3', ['app@1.2.3', 'other@1.2.3']],
    ['=', '2.0.0', ['app@2.0.0+abc123']],
    [
      '<',
      '2.0.0',
      ['app@1.2.3', 'app@1.2.4-rc.1', 'app@1.2.4', 'app@1.10.0+45', 'app@2.0.0-beta', 'other@1.2.3'],
    ],
    ['>', 'app@1.2.4', ['app@1.10.0+45', 'app@2.0.0-beta', 'app@2.0.0+abc123']],
    ['=', 'other@1.2.3', ['other@1.2.3']],
  ])('%s %s', (op, value, expected) => {
    expect(select('release.version', op, value)).toEqual(expected);
  });

  it('orders pre-releases below the release and by text (Sentry SEMVER_COLS)', () => {
    expect(select('release.version', '>', '2.0.0-alpha')).toEqual(['app@2.0.0-beta', 'app@2.0.0+abc123']);
    expect(select('release.version', '<', '1.2.4-rc.2')).toEqual([
      'app@1.2.3',
      'app@1.2.4-rc.1',
      'other@1.2.3',
    ]);
  });

  it('matches wildcards as a prefix of the version, whatever the operator', () => {
    expect(select('release.version', '=', '1.2.*')).toEqual([
      'app@1.2.3',
      'app@1.2.4-rc.1',
      'app@1.2.4',
      'other@1.2.3',
    ]);
    expect(select('release.version', '>', '1.X')).toEqual(select('release.version', '=', '1.X'));
    expect(select('release.version', '=', 'other@*')).toEqual(['other@1.2.3']);
    expect(select('release.version', '=', '*')).toEqual(RELEASES);
  });

  it('negates among semver releases (Django exclude)', () => {
    expect(select('release.version', '!=', '1.2.3')).toEqual([
      'app@1.2.4-rc.1',
      'app@1.2.4',
      'app@1.10.0+45',
      'app@2.0.0-beta',
      'app@2.0.0+abc123',
    ]);
    expect(select('release.version', '!=', '1.*')).toEqual(['app@2.0.0-beta', 'app@2.0.0+abc123']);
  });

  it("answers Sentry's errors", () => {
    const bad = selectReleases(filter('release.version', '=', '1.x.y'), RELEASES);
    expect(bad).toMatchObject({ ok: false, error: { message: INVALID_SEMVER_MESSAGE } });
    const list = selectReleases(filter('release.version', 'IN', ['1.2.3', '1.2.4']), RELEASES);
    expect(list).toMatchObject({
      ok: false,
      error: { message: "Invalid operation 'IN' for semantic version filter." },
    });
  });
});

describe('release.package and release.build', () => {
  it('selects by package, lists and negation', () => {
    expect(select('release.package', '=', 'other')).toEqual(['other@1.2.3']);
    expect(select('release.package', 'IN', ['other', 'nope'])).toEqual(['other@1.2.3']);
    expect(select('release.package', '!=', 'app')).toEqual(['other@1.2.3', 'legacy-build', '1.2.3']);
  });

  it('compares numeric builds, matches build codes and prefixes', () => {
    expect(select('release.build', '=', '45')).toEqual(['app@1.10.0+45']);
    expect(select('release.build', '>', '44')).toEqual(['app@1.10.0+45']);
    expect(select('release.build', '<', '45')).toEqual([]);
    expect(select('release.build', '=', 'abc123')).toEqual(['app@2.0.0+abc123']);
    expect(select('release.build', '=', 'abc*')).toEqual(['app@2.0.0+abc123']);
    expect(select('release.build', '!=', '45')).toEqual(RELEASES.filter((r) => r !== 'app@1.10.0+45'));
  });
});
