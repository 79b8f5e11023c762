import { describe, expect, it } from 'vitest';
import { compareReleaseVersions, isSemverRelease, parseRelease } from './release-version.js';

describe('release names', () => {
  it('splits package and version as sentry-release-parser does', () => {
    expect(parseRelease(' org.example.FooApp@1.0rc1+20200101100 ')).toEqual({
      raw: 'org.example.FooApp@1.0rc1+20200101100',
      package: 'org.example.FooApp',
      versionRaw: '1.0rc1+20200101100',
      version: { quad: ['1', '0', undefined, undefined], pre: 'rc1', buildCode: '20200101100' },
    });
    expect(parseRelease('1.0.0')).toMatchObject({ package: null, version: undefined });
    expect(parseRelease('app@a1b2c3d4e5f6')).toMatchObject({ package: 'app', version: undefined });
    expect(parseRelease('latest')).toBeUndefined();
  });

  it('knows semver releases (a package and a parsed version)', () => {
    expect(isSemverRelease('app@1.2.3')).toBe(true);
    expect(isSemverRelease('1.2.3')).toBe(false);
    expect(isSemverRelease('app@nightly')).toBe(false);
    expect(isSemverRelease('app@99999999999999999999.0.0')).toBe(false);
  });

  it.each([
    ['app@1.0.0', 'app@1.0.0', 0],
    ['app@1.0.1', 'app@1.0.0', 1],
    ['app@1.0', 'app@1.0.0', 0],
    ['app@1.0.0.1', 'app@1.0.0', 1],
    ['app@2.0.0-rc.1', 'app@2.0.0', -1],
    ['app@2.0.0-rc.2', 'app@2.0.0-rc.10', -1],
    ['app@2.0.0-alpha', 'app@2.0.0-1', 1],
    ['app@1.0.0+2', 'app@1.0.0+1', 0],
    ['app@10.0.0', 'app@9.0.0', 1],
  ])('orders %s against %s: %i', (a, b, expected) => {
    expect(compareReleaseVersions(a, b)).toBe(expected);
  });

  it('does not order names whose version does not parse', () => {
    expect(compareReleaseVersions('app@nightly', 'app@1.0.0')).toBeUndefined();
  });
});
