import { describe, expect, it } from 'vitest';
import { browserFromClientHints, parseUserAgent } from './user-agent.js';
import { normalizeOk } from './test-helpers.js';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.129 Safari/537.36';
const SAFARI_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1';
const GALAXY_NEXUS =
  'Mozilla/5.0 (Linux; Android 4.0.4; Galaxy Nexus Build/IMM76B) AppleWebKit/535.19 (KHTML, like Gecko) Chrome/18.0.1025.133 Mobile Safari/535.19';

const withUa = (ua: string, extra: Record<string, unknown> = {}) =>
  normalizeOk({ request: { headers: [['UsEr-AgeNT', ua]] }, ...extra } as never);

describe('user agent contexts (§8.6)', () => {
  it('derives browser and client_os from a desktop Chrome UA', () => {
    expect(withUa(CHROME_WINDOWS, { platform: 'python' }).contexts).toEqual({
      browser: { name: 'Chrome', version: '120.0.6099', type: 'browser', browser: 'Chrome 120.0.6099' },
      client_os: { name: 'Windows', version: '>=10', type: 'os', os: 'Windows >=10' },
    });
  });

  it('derives browser, os and device from a Safari iOS UA on a JavaScript event', () => {
    expect(withUa(SAFARI_IOS, { platform: 'javascript' }).contexts).toEqual({
      browser: { name: 'Mobile Safari', version: '17.1.2', type: 'browser', browser: 'Mobile Safari 17.1.2' },
      device: { family: 'iPhone', model: 'iPhone', brand: 'Apple', type: 'device' },
      os: { name: 'iOS', version: '17.1.2', type: 'os', os: 'iOS 17.1.2' },
    });
  });

  it('derives contexts for the Galaxy Nexus UA (Relay test_all_contexts; uap names the family "Samsung Galaxy Nexus")', () => {
    expect(withUa(GALAXY_NEXUS).contexts).toEqual({
      browser: {
        name: 'Chrome Mobile',
        version: '18.0.1025',
        type: 'browser',
        browser: 'Chrome Mobile 18.0.1025',
      },
      device: { family: 'Galaxy Nexus', model: 'Galaxy Nexus', brand: 'Samsung', type: 'device' },
      client_os: { name: 'Android', version: '4.0.4', type: 'os', os: 'Android 4.0.4' },
    });
  });

  it('never overwrites existing contexts', () => {
    const out = withUa(GALAXY_NEXUS, {
      contexts: {
        browser: { name: 'BR_FAMILY', version: 'BR_VERSION' },
        device: { family: 'DEV_FAMILY' },
        os: { name: 'OS_FAMILY' },
      },
    });
    expect(out.contexts).toEqual({
      browser: { name: 'BR_FAMILY', version: 'BR_VERSION', type: 'browser', browser: 'BR_FAMILY BR_VERSION' },
      device: { family: 'DEV_FAMILY', type: 'device' },
      os: { name: 'OS_FAMILY', type: 'os', os: 'OS_FAMILY' },
      client_os: { name: 'Android', version: '4.0.4', type: 'os', os: 'Android 4.0.4' },
    });
  });

  it('names the iOS builds of Chrome and Firefox as uap does', () => {
    expect(
      parseUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/119.0.6045.169 Mobile/15E148 Safari/604.1',
      ).browser,
    ).toEqual({ name: 'Chrome Mobile iOS', version: '119.0.6045' });
    expect(
      parseUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/120.0 Mobile/15E148 Safari/605.1.15',
      ).browser?.name,
    ).toBe('Firefox iOS');
  });

  it('skips unrecognizable user agents', () => {
    expect(withUa('a dont no').contexts).toBeUndefined();
  });

  it('prefers client hints', () => {
    const out = normalizeOk({
      platform: 'javascript',
      request: {
        headers: [
          ['User-Agent', CHROME_WINDOWS],
          ['Sec-CH-UA', '"Not_A Brand";v="99", "Google Chrome";v="109", "Chromium";v="109"'],
          ['Sec-CH-UA-Platform', '"macOS"'],
          ['Sec-CH-UA-Platform-Version', '"13.1.0"'],
          ['Sec-CH-UA-Model', '   "moto g31(w)"'],
        ],
      },
    });
    expect(out.contexts).toEqual({
      browser: { name: 'Google Chrome', version: '109', type: 'browser', browser: 'Google Chrome 109' },
      device: { model: 'moto g31(w)', type: 'device' },
      os: { name: 'macOS', version: '13.1.0', type: 'os', os: 'macOS 13.1.0' },
    });
  });

  it('falls back to the HTTP request user agent and client hints', () => {
    expect(normalizeOk({ platform: 'javascript' }, { userAgent: SAFARI_IOS }).contexts?.browser).toEqual({
      name: 'Mobile Safari',
      version: '17.1.2',
      type: 'browser',
      browser: 'Mobile Safari 17.1.2',
    });
    expect(
      normalizeOk(
        {},
        { clientHints: { sec_ch_ua: '"Chromium";v="108", "Opera";v="94", "Not)A;Brand";v="99"' } },
      ).contexts,
    ).toEqual({ browser: { name: 'Opera', version: '94', type: 'browser', browser: 'Opera 94' } });
  });

  it('parses Sec-CH-UA like Relay', () => {
    expect(
      browserFromClientHints('"Chromium";v="108", "mystery-browser";v="94", "Not)A;Brand";v="99"'),
    ).toEqual({
      name: 'mystery-browser',
      version: '94',
    });
    expect(browserFromClientHints('Not_A Brand";v="99", " ";v="109", "Chromium";v="109"')).toBeUndefined();
  });
});

describe('contexts', () => {
  it('fills the type of every context and passes flags through', () => {
    const out = normalizeOk({
      contexts: {
        runtime: { name: 'CPython' },
        client_os: { name: 'x' },
        renamed: { type: 'os', name: 'Linux' },
        flags: { values: [{ flag: 'a', result: true }] },
        bad: 'not an object',
      },
    });
    expect(out.contexts).toEqual({
      runtime: { name: 'CPython', type: 'runtime', runtime: 'CPython' },
      client_os: { name: 'x', type: 'client_os' },
      renamed: { type: 'os', name: 'Linux', os: 'Linux' },
      flags: { values: [{ flag: 'a', result: true }], type: 'flags' },
    });
    expect(out.errors?.[0]).toMatchObject({ type: 'invalid_data', name: 'contexts.bad' });
  });

  it('defaults the trace status and validates ids', () => {
    const out = normalizeOk({
      contexts: { trace: { trace_id: '4C79F60C11214EB38604F4AE0781BFB2', span_id: 'not-hex' } },
    });
    expect(out.contexts?.trace).toEqual({
      trace_id: '4c79f60c11214eb38604f4ae0781bfb2',
      status: 'unknown',
      type: 'trace',
    });
    expect(out.errors?.[0]).toMatchObject({ name: 'contexts.trace.span_id', value: 'not-hex' });
  });
});
