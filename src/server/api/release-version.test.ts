// Release version validity (Sentry's `Release.is_valid_version`) and `versionInfo` as the
// sentry-release-parser crate describes versions (package@version, semver-like versions with up to
// four components, pre-releases, build codes and build hashes).
import { describe, expect, it } from 'vitest';
import { isValidVersion, versionInfo } from './release-version.js';

describe('isValidVersion', () => {
  it('refuses reserved names, slashes and control whitespace', () => {
    for (const bad of ['latest', 'LATEST ', '.', '..', ' ', '', 'a/b', 'a\\b', 'a\tb', 'a\nb', 'a\fb']) {
      expect(isValidVersion(bad), JSON.stringify(bad)).toBe(false);
    }
    for (const good of ['v1', '1.0.0', 'web@1.0.0+build', 'latest-ish', 'a b']) {
      expect(isValidVersion(good), good).toBe(true);
    }
  });
});

describe('versionInfo', () => {
  it('parses package@version with pre-release and build code', () => {
    expect(versionInfo('@foo.bar@1.0.0-rc.1+abc')).toEqual({
      package: '@foo.bar',
      version: {
        raw: '1.0.0-rc.1+abc',
        major: 1,
        minor: 0,
        patch: 0,
        pre: 'rc.1',
        buildCode: 'abc',
        components: 3,
      },
      description: '1.0.0-rc.1 (abc)',
      buildHash: null,
    });
    expect(versionInfo('org.example.App@1.0rc1+20200101100')).toEqual({
      package: 'org.example.App',
      version: {
        raw: '1.0rc1+20200101100',
        major: 1,
        minor: 0,
        patch: 0,
        pre: 'rc1',
        buildCode: '20200101100',
        components: 2,
      },
      description: '1.0-rc1 (20200101100)',
      buildHash: null,
    });
    expect(versionInfo('app@1.2.3.4')).toMatchObject({ version: { components: 4 }, description: '1.2.3.4' });
  });

  it('recognizes build hashes and shortens them in the description', () => {
    const hash = '0123456789abcdef0123456789abcdef01234567';
    expect(versionInfo(hash)).toEqual({
      package: null,
      version: { raw: hash },
      description: '0123456789ab',
      buildHash: hash,
    });
    expect(versionInfo(`web@${hash}`)).toMatchObject({
      package: 'web',
      version: { raw: hash },
      buildHash: hash,
    });
    expect(versionInfo(`web@1.0.0+${hash}`)).toMatchObject({
      version: { buildCode: hash },
      description: '1.0.0 (0123456789ab)',
      buildHash: hash,
    });
  });

  it('keeps unparsed versions raw', () => {
    expect(versionInfo('1.0.0')).toEqual({
      package: null,
      version: { raw: '1.0.0' },
      description: '1.0.0',
      buildHash: null,
    });
    expect(versionInfo('web@not-a-version')).toEqual({
      package: 'web',
      version: { raw: 'not-a-version' },
      description: 'web@not-a-version',
      buildHash: null,
    });
    expect(versionInfo('latest')).toBeNull();
  });
});
