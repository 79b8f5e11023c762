// Path rules of JavaScript symbolication, with the cases of Symbolicator's unit tests
// (`crates/symbolicator-js/src/utils.rs`) and Sentry's `tests/sentry/lang/javascript/test_processing.py`.
import { describe, expect, it } from 'vitest';
import {
  fixupWebpackFilename,
  generateModule,
  isInApp,
  isNodeBuiltIn,
  joinPaths,
  skipsMissingSourceError,
  stripHostname,
} from './paths.js';
import { candidateUrls } from './memory-artifact-source.js';
import {
  decodeDataUrl,
  discoverDebugId,
  discoverSourceMappingUrl,
  normalizeDebugId,
  resolveSourceMapReference,
} from './references.js';

describe('joinPaths', () => {
  it.each([
    [
      'https://example.com/path/to/assets/bundle.min.js?foo=1&bar=baz#wat',
      '../sourcemaps/bundle.min.js.map',
      'https://example.com/path/to/sourcemaps/bundle.min.js.map',
    ],
    [
      'https://example.com/path/to/assets/bundle.min.js?foo=1&bar=baz#wat',
      '/foo.js',
      'https://example.com/foo.js',
    ],
    [
      'https://example.com/path/to/assets/bundle.min.js?foo=1&bar=baz#wat',
      '~/foo.js',
      'https://example.com/foo.js',
    ],
    [
      'https://example.com/path/to/assets/bundle.min.js?foo=1&bar=baz#wat',
      '.././.././to/./sourcemaps/./bundle.min.js.map',
      'https://example.com/path/to/sourcemaps/bundle.min.js.map',
    ],
    ['/home/foo/bar/baz.js', '../sourcemaps/bundle.min.js.map', '/home/foo/sourcemaps/bundle.min.js.map'],
    ['/home/foo/bar/baz.js', '/foo.js', '/foo.js'],
    ['/home/foo/bar/baz.js', '~/foo.js', '/foo.js'],
    [
      'http://example.com',
      'webpack:///../node_modules/scheduler/cjs/scheduler.production.min.js',
      'webpack:///../node_modules/scheduler/cjs/scheduler.production.min.js',
    ],
    ['http://example.com', 'path/./to/file.min.js', 'http://example.com/path/to/file.min.js'],
    ['/playground/öut path/rollup/entrypoint1.js', '~/0.js.map', '/0.js.map'],
    [
      'app:///_next/static/chunks/pages/_app-569c402ef19f6d7b.js.map',
      './node_modules/@sentry/browser/esm/integrations/trycatch.js',
      'app:///_next/static/chunks/pages/node_modules/@sentry/browser/esm/integrations/trycatch.js',
    ],
    [
      'app:///main-es2015.6216307eafb7335c4565.js.map',
      'webpack:/node_modules/@angular/core/__ivy_ngcc__/fesm2015/core.js',
      'webpack:/node_modules/@angular/core/__ivy_ngcc__/fesm2015/core.js',
    ],
    [
      'https://foo.cloudfront.net/static//js/npm.sentry.d8b531aaf5202ddb7e90.js',
      'npm.sentry.d8b531aaf5202ddb7e90.js.map',
      'https://foo.cloudfront.net/static/js/npm.sentry.d8b531aaf5202ddb7e90.js.map',
    ],
    ['http://example.com/foo', 'bar', 'http://example.com/bar'],
    ['http://example.com/foo', '/bar', 'http://example.com/bar'],
    ['https://example.com/foo', '/bar', 'https://example.com/bar'],
    ['http://example.com/foo/baz', 'bar', 'http://example.com/foo/bar'],
    ['http://example.com/foo/baz', '/bar', 'http://example.com/bar'],
    ['aps://example.com/foo', '/bar', 'aps://example.com/bar'],
    ['apsunknown://example.com/foo', '/bar', 'apsunknown://example.com/bar'],
    ['apsunknown://example.com/foo', '//aha/uhu', 'apsunknown://aha/uhu'],
  ])('%s + %s', (base, right, expected) => {
    expect(joinPaths(base, right)).toBe(expected);
  });
});

it('stripHostname', () => {
  expect(stripHostname('/absolute/unix/path')).toBe('/absolute/unix/path');
  expect(stripHostname('~/with/tilde')).toBe('/with/tilde');
  expect(stripHostname('https://example.com/')).toBe('/');
  expect(stripHostname('https://example.com/some/path/file.js')).toBe('/some/path/file.js');
});

describe('generateModule', () => {
  it.each([
    ['http://example.com/foo.js', 'foo'],
    ['http://example.com/foo/bar.js', 'foo/bar'],
    ['http://example.com/js/foo/bar.js', 'foo/bar'],
    ['http://example.com/javascript/foo/bar.js', 'foo/bar'],
    ['http://example.com/1.0/foo/bar.js', 'foo/bar'],
    ['http://example.com/v1/foo/bar.js', 'foo/bar'],
    ['http://example.com/v1.0.0/foo/bar.js', 'foo/bar'],
    ['http://example.com/_baz/foo/bar.js', 'foo/bar'],
    ['http://example.com/1/2/3/foo/bar.js', 'foo/bar'],
    ['http://example.com/abcdef0/foo/bar.js', 'foo/bar'],
    ['http://example.com/92cd589eca8235e7b373bf5ae94ebf898e3b949c/foo/bar.js', 'foo/bar'],
    ['http://example.com/7d6d00eae0ceccdc7ee689659585d95f/foo/bar.js', 'foo/bar'],
    ['http://example.com/foo/bar.coffee', 'foo/bar'],
    ['http://example.com/foo/bar.js?v=1234', 'foo/bar'],
    ['/foo/bar.js', 'foo/bar'],
    ['/foo/bar.ts', 'foo/bar'],
    ['../../foo/bar.js', 'foo/bar'],
    ['../../foo/bar.ts', 'foo/bar'],
    ['../../foo/bar.awesome', 'foo/bar'],
    ['../../foo/bar', 'foo/bar'],
    ['/foo/bar-7d6d00eae0ceccdc7ee689659585d95f.js', 'foo/bar'],
    ['/bower_components/foo/bar.js', 'foo/bar'],
    ['/node_modules/foo/bar.js', 'foo/bar'],
    ['http://example.com/vendor.92cd589eca8235e7b373bf5ae94ebf898e3b949c.js', 'vendor'],
    [
      '/a/javascripts/application-bundle-149360d3414c26adac3febdf6832e25c.min.js',
      'a/javascripts/application-bundle',
    ],
    ['https://example.com/libs/libs-20150417171659.min.js', 'libs/libs'],
    ['webpack:///92cd589eca8235e7b373bf5ae94ebf898e3b949c/vendor.js', 'vendor'],
    ['app:///92cd589eca8235e7b373bf5ae94ebf898e3b949c/vendor.js', 'vendor'],
    ['app:///example/92cd589eca8235e7b373bf5ae94ebf898e3b949c/vendor.js', 'vendor'],
    ['~/app/components/projectHeader/projectSelector.jsx', 'app/components/projectHeader/projectSelector'],
  ])('%s → %s', (path, expected) => {
    expect(generateModule(path)).toBe(expected);
  });
});

it('fixupWebpackFilename', () => {
  expect(fixupWebpackFilename('webpack:///../node_modules/@sentry/browser/esm/helpers.js')).toBe(
    '../node_modules/@sentry/browser/esm/helpers.js',
  );
  expect(fixupWebpackFilename('webpack:///./app/utils/requestError/createRequestError.tsx')).toBe(
    './app/utils/requestError/createRequestError.tsx',
  );
  expect(fixupWebpackFilename('webpack-internal:///./src/App.jsx')).toBe('./src/App.jsx');
  expect(fixupWebpackFilename('webpack://my-app/./src/App.jsx')).toBe('./src/App.jsx');
  expect(fixupWebpackFilename('webpack:///~/lodash/index.js')).toBe('~/lodash/index.js');
});

it('isInApp', () => {
  const cases: Array<[string, string, boolean | undefined]> = [
    [
      'webpack:///../node_modules/@sentry/browser/esm/helpers.js',
      '../node_modules/@sentry/browser/esm/helpers.js',
      false,
    ],
    ['webpack:///~/@sentry/browser/esm/helpers.js', '~/@sentry/browser/esm/helpers.js', false],
    ['webpack:///./@sentry/browser/esm/helpers.js', './@sentry/browser/esm/helpers.js', true],
    ['webpack:///foo/bar/src/App.jsx', 'foo/bar/src/App.jsx', true],
    ['webpack:///./foo/bar/App.tsx', './foo/bar/src/App.jsx', true],
    [
      'webpack:///./node_modules/@sentry/browser/esm/helpers.js',
      './node_modules/@sentry/browser/esm/helpers.js',
      false,
    ],
    [
      'app:///../node_modules/@sentry/browser/esm/helpers.js',
      '../node_modules/@sentry/browser/esm/helpers.js',
      false,
    ],
    ['app:///../@sentry/browser/esm/helpers.js', '../@sentry/browser/esm/helpers.js', true],
    [
      'app:///node_modules/rxjs/internal/operators/switchMap.js',
      'node_modules/rxjs/internal/operators/switchMap.js',
      false,
    ],
    [
      'file:///../node_modules/@sentry/browser/esm/helpers.js',
      '../node_modules/@sentry/browser/esm/helpers.js',
      false,
    ],
    ['file:///../@sentry/browser/esm/helpers.js', '../@sentry/browser/esm/helpers.js', undefined],
  ];
  for (const [absPath, filename, expected] of cases)
    expect([absPath, isInApp(absPath, filename)]).toEqual([absPath, expected]);
});

it('Node built-ins and skipped errors', () => {
  expect(isNodeBuiltIn('node:internal/process/task_queues', 'node')).toBe(true);
  expect(isNodeBuiltIn('events.js', 'node')).toBe(true);
  expect(isNodeBuiltIn('/app/dist/main.js', 'node')).toBe(false);
  expect(isNodeBuiltIn('C:\\app\\main.js', 'node')).toBe(false);
  expect(isNodeBuiltIn('app:///main.js', 'node')).toBe(false);
  expect(isNodeBuiltIn('events.js', 'javascript')).toBe(false);
  expect(skipsMissingSourceError('/app/node_modules/x/index.js')).toBe(true);
  expect(skipsMissingSourceError('chrome-extension://abc/content.js')).toBe(true);
  expect(skipsMissingSourceError('https://example.com/app.js')).toBe(false);
});

it('candidateUrls (Symbolicator get_release_file_candidate_urls)', () => {
  expect(candidateUrls('https://example.com/assets/bundle.min.js')).toEqual([
    'https://example.com/assets/bundle.min.js',
    '~/assets/bundle.min.js',
  ]);
  expect(candidateUrls('https://example.com/assets/bundle.min.js?foo=1&bar=baz#wat')).toEqual([
    'https://example.com/assets/bundle.min.js?foo=1&bar=baz',
    'https://example.com/assets/bundle.min.js',
    '~/assets/bundle.min.js?foo=1&bar=baz',
    '~/assets/bundle.min.js',
  ]);
  expect(candidateUrls('app:///_next/server/pages/_error.js')).toEqual([
    'app:///_next/server/pages/_error.js',
    '~/_next/server/pages/_error.js',
  ]);
});

describe('source map references', () => {
  it('decodes data URLs as the WHATWG data URL processor does', () => {
    expect(decodeDataUrl('data:,foo')).toBe('foo');
    expect(decodeDataUrl('data:,Hello%2C%20World%21')).toBe('Hello, World!');
    expect(decodeDataUrl('data:;base64,SGVsbG8sIFdvcmxkIQ==')).toBe('Hello, World!');
    expect(decodeDataUrl('data:application/json;charset=utf-8;base64,SGVsbG8sIFdvcmxkIQ==')).toBe(
      'Hello, World!',
    );
    expect(decodeDataUrl('data:;base64,SGVsbG8sIFdvcmxkIQ=')).toBeUndefined();
    expect(decodeDataUrl('data:')).toBeUndefined();
    expect(decodeDataUrl('data:;base64,/w==')).toBeUndefined(); // not UTF-8
  });

  it('prefers the Sourcemap header, then the comment, joined to the frame URL', () => {
    const url = 'https://example.com/static/js/app.min.js';
    expect(resolveSourceMapReference(url, { sourcemap: 'app.min.js.map' }, () => 'other.map')).toEqual({
      kind: 'url',
      url: 'https://example.com/static/js/app.min.js.map',
    });
    expect(resolveSourceMapReference(url, { 'x-sourcemap': '/maps/app.map' }, () => undefined)).toEqual({
      kind: 'url',
      url: 'https://example.com/maps/app.map',
    });
    expect(resolveSourceMapReference(url, {}, () => '../maps/app.map')).toEqual({
      kind: 'url',
      url: 'https://example.com/static/maps/app.map',
    });
    expect(resolveSourceMapReference(url, {}, () => 'data:,{}')).toEqual({ kind: 'embedded', text: '{}' });
    expect(resolveSourceMapReference(url, {}, () => 'data:')).toBe('malformed');
    expect(resolveSourceMapReference(url, {}, () => undefined)).toBeUndefined();
    // "data" without a colon is a relative file name.
    expect(resolveSourceMapReference('/foo', {}, () => 'data')).toEqual({ kind: 'url', url: '/data' });
  });

  it('finds the trailing comments of a minified file', () => {
    const source =
      'var a=1;\n//# sourceMappingURL=app.min.js.map\n\n//# debugId=12B9062D-E142-5D78-BD5B-7057BD869746\n';
    expect(discoverSourceMappingUrl(source)).toBe('app.min.js.map');
    expect(discoverDebugId(source)).toBe('12b9062d-e142-5d78-bd5b-7057bd869746');
    expect(discoverSourceMappingUrl('var a;\n//@ sourceMappingURL=old.map')).toBe('old.map');
    expect(discoverSourceMappingUrl('var a;')).toBeUndefined();
    expect(normalizeDebugId('12b9062de1425d78bd5b7057bd869746')).toBe('12b9062d-e142-5d78-bd5b-7057bd869746');
    expect(normalizeDebugId('{12b9062d-e142-5d78-bd5b-7057bd869746}')).toBe(
      '12b9062d-e142-5d78-bd5b-7057bd869746',
    );
    expect(normalizeDebugId('not-a-uuid')).toBeUndefined();
  });
});
