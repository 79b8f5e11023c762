import { describe, expect, it } from 'vitest';
import { ALL_PLATFORMS_2023_01_11_RULES } from './enhancement-rules.js';
import { applyClassifierRules, loadEnhancements, parseEnhancements } from './enhancements.js';
import type { WorkFrame } from './event-data.js';
import { globMatch } from './glob.js';

function frame(fields: Partial<WorkFrame>): WorkFrame {
  return { sourcemap_used: false, ...fields };
}

describe('glob', () => {
  it('separates path and plain globs', () => {
    expect(globMatch('a/b/node_modules/x/y.js', '**/node_modules/**', { doubleStar: true })).toBe(true);
    expect(globMatch('a/b.js', '*.js', { doubleStar: true })).toBe(false);
    expect(globMatch('io.sentry.example.App', 'io.sentry.*')).toBe(true);
    expect(globMatch('[KSCrash foo]', '?[[]KSCrash*')).toBe(false);
    expect(globMatch('-[KSCrash foo]', '?[[]KSCrash*')).toBe(true);
    expect(globMatch('Foo::{dtor}', '*::\\{dtor\\}')).toBe(true);
    expect(
      globMatch('C:\\Windows\\x.dll', 'c:/windows/**', {
        doubleStar: true,
        ignoreCase: true,
        pathNormalize: true,
      }),
    ).toBe(true);
  });
});

describe('stack trace rules', () => {
  it('parses every built-in rule', () => {
    const { rules, errors } = parseEnhancements(ALL_PLATFORMS_2023_01_11_RULES);
    expect(errors).toEqual([]);
    expect(rules).toHaveLength(331);
    expect(rules.map((r) => r.text)).toContain(
      '[ !category:system ] | category:system | [ !category:system ] category=indirection',
    );
  });

  it('reports lines it cannot parse, with line numbers', () => {
    const { rules, errors } = parseEnhancements('module:foo -app\nbogus\nnope:x +app\nmodule:bar\n# fine');
    expect(rules.map((r) => r.text)).toEqual(['module:foo -app']);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4]);
  });

  it('marks node_modules, site-packages and Go module cache frames out of app', () => {
    const frames = [
      frame({ abs_path: '/srv/app/node_modules/lodash/index.js', in_app: true }),
      frame({ abs_path: '/usr/lib/python3/site-packages/django/x.py' }),
      frame({ abs_path: '/go/pkg/mod/github.com/x/y.go' }),
      frame({ abs_path: '/srv/app/src/index.js', in_app: true }),
    ];
    applyClassifierRules(loadEnhancements(), frames, 'node', {});
    expect(frames.map((f) => f.in_app)).toEqual([false, false, false, true]);
    expect(frames[0]?.in_app_rule).toBe('path:**/node_modules/** -app');
  });

  it('marks webpack sources in-app unless they come from node_modules', () => {
    const frames = [
      frame({ abs_path: 'webpack:///./src/app.js', filename: './src/app.js' }),
      frame({ abs_path: 'webpack:///./node_modules/x/y.js', filename: './node_modules/x/y.js' }),
    ];
    applyClassifierRules(loadEnhancements(), frames, 'javascript', {});
    expect(frames.map((f) => f.in_app)).toEqual([true, false]);
  });

  it('matches callers and callees against the state before the rule runs', () => {
    const rules = parseEnhancements(
      'module:a category=x\n[ category:x ] | module:b category=y\nmodule:c | [ category:y ] -app',
    ).rules;
    const frames = [frame({ module: 'a' }), frame({ module: 'b' }), frame({ module: 'c', in_app: true })];
    applyClassifierRules(loadEnhancements(rules), frames, 'python', {});
    expect(frames.map((f) => f.category)).toEqual(['x', 'y', undefined]);
    expect(frames[2]?.in_app).toBe(true);
    const frames2 = [frame({ module: 'c', in_app: true }), frame({ module: 'b', category: 'y' })];
    applyClassifierRules(loadEnhancements(rules), frames2, 'python', {});
    expect(frames2[0]?.in_app).toBe(false);
  });
});
