import { describe, expect, it } from 'vitest';
import type { SentryEvent } from '../../protocol/event.js';
import { computeGrouping } from './variants.js';
import { deriveTitleInfo } from './title.js';

const jsTypeError: SentryEvent = {
  platform: 'javascript',
  exception: {
    values: [
      {
        type: 'TypeError',
        value: "Cannot read properties of undefined (reading 'x')\n    at render (app.js:10:5)",
        stacktrace: {
          frames: [
            {
              function: 'dispatch',
              filename: 'webpack:///./node_modules/react-dom/index.js',
              abs_path: 'webpack:///./node_modules/react-dom/index.js',
              in_app: false,
            },
            {
              function: 'Cart.render',
              filename: './src/cart.js',
              abs_path: 'webpack:///./src/cart.js',
              lineno: 10,
              in_app: true,
            },
            { function: 'helper', filename: './src/lib.js', abs_path: 'https://cdn.jsdelivr.net/lib.js' },
          ],
        },
        mechanism: { type: 'onerror', handled: false },
      },
    ],
  },
};

describe('deriveTitleInfo: error events', () => {
  it('titles a JavaScript TypeError with type and the first line of the value', () => {
    const info = deriveTitleInfo(jsTypeError);
    expect(info.type).toBe('error');
    expect(info.title).toBe("TypeError: Cannot read properties of undefined (reading 'x')");
    // The last frame is a CDN URL, marked out of app by the built-in rules: the culprit is
    // the in-app frame closest to the crash, in JavaScript's `function(file)` form.
    expect(info.culprit).toBe('Cart.render(./src/cart.js)');
    expect(info.metadata).toEqual({
      type: 'TypeError',
      value: "Cannot read properties of undefined (reading 'x')\n    at render (app.js:10:5)",
      filename: './src/cart.js',
      function: 'Cart.render',
      in_app_frame_mix: 'mixed',
    });
  });

  it('uses module and function for a Python exception', () => {
    const event: SentryEvent = {
      platform: 'python',
      exception: {
        values: [
          {
            type: 'KeyError',
            value: "'user_id'",
            module: 'builtins',
            stacktrace: {
              frames: [
                {
                  function: 'handle',
                  module: 'django.core.handlers.base',
                  filename: 'django/core/handlers/base.py',
                  abs_path: '/usr/lib/python3.11/site-packages/django/core/handlers/base.py',
                },
                {
                  function: 'checkout',
                  module: 'shop.views',
                  filename: 'shop/views.py',
                  abs_path: '/app/shop/views.py',
                  in_app: true,
                },
              ],
            },
          },
        ],
      },
    };
    const info = deriveTitleInfo(event);
    expect(info.title).toBe("KeyError: 'user_id'");
    expect(info.culprit).toBe('shop.views in checkout');
    expect(info.metadata['filename']).toBe('shop/views.py');
    expect(info.metadata['function']).toBe('checkout');
  });

  it('prefers the client culprit, then the transaction', () => {
    expect(deriveTitleInfo({ ...jsTypeError, transaction: '/checkout' }).culprit).toBe('/checkout');
    expect(deriveTitleInfo({ ...jsTypeError, culprit: 'given', transaction: '/checkout' }).culprit).toBe(
      'given',
    );
  });

  it('truncates long values to 256 characters with an ellipsis', () => {
    const info = deriveTitleInfo({ exception: { values: [{ type: 'Error', value: 'x'.repeat(300) }] } });
    expect(info.title).toBe(`Error: ${'x'.repeat(253)}...`);
  });

  it('omits the type of synthetic exceptions', () => {
    const info = deriveTitleInfo({
      platform: 'native',
      exception: {
        values: [
          {
            type: 'SIGSEGV',
            value: 'Segfault',
            mechanism: { type: 'signalhandler', synthetic: true },
            stacktrace: { frames: [{ function: 'crash_me', package: '/app/bin/server', in_app: true }] },
          },
        ],
      },
    });
    expect(info.metadata['type']).toBeUndefined();
    expect(info.title).toBe('crash_me');
    expect(info.culprit).toBe('');
  });
});

describe('deriveTitleInfo: default events', () => {
  it('titles a message event by the first line of the formatted message', () => {
    const event: SentryEvent = {
      platform: 'python',
      logentry: {
        message: 'user %s failed to log in\nsecond line',
        formatted: 'user bob failed to log in\nsecond line',
      },
    };
    const info = deriveTitleInfo(event);
    expect(info.type).toBe('default');
    expect(info.title).toBe('user bob failed to log in');
    expect(info.metadata).toEqual({ title: 'user bob failed to log in' });
    expect(info.culprit).toBe('');
  });

  it('groups message events by the template, so parameters do not split issues', () => {
    const a = computeGrouping({ logentry: { message: 'user %s failed', formatted: 'user bob failed' } });
    const b = computeGrouping({ logentry: { message: 'user %s failed', formatted: 'user alice failed' } });
    expect(a.hashes).toEqual(b.hashes);
    expect(a.hashes).toHaveLength(1);
  });

  it('labels events without a message', () => {
    expect(deriveTitleInfo({}).title).toBe('<unlabeled event>');
  });

  it('uses a fingerprint rule title', () => {
    const event: SentryEvent = { logentry: { formatted: 'Deadlock detected' }, logger: 'db' };
    const grouping = computeGrouping(event, {
      fingerprintingRules: 'logger:db -> database-issues title="DB: {{ logger }}"',
    });
    expect(grouping.title).toBe('DB: db');
    expect(deriveTitleInfo(event, { grouping }).title).toBe('DB: db');
  });
});

describe('deriveTitleInfo: security reports', () => {
  it('titles a CSP report from its message and normalises the blocked URI', () => {
    const info = deriveTitleInfo({
      type: 'csp',
      logentry: { formatted: "Blocked 'script' from 'evil.example.com'" },
      csp: { effective_directive: 'script-src', blocked_uri: 'https://evil.example.com/x.js' },
    });
    expect(info.title).toBe("Blocked 'script' from 'evil.example.com'");
    expect(info.metadata).toEqual({
      directive: 'script-src',
      uri: 'evil.example.com',
      message: "Blocked 'script' from 'evil.example.com'",
    });
  });
});
