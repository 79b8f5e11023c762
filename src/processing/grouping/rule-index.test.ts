import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_PLATFORMS_2023_01_11_RULES } from './enhancement-rules.js';
import {
  applyClassifierRules,
  applyContributesRules,
  loadEnhancements,
  parseEnhancements,
  type EnhancementRule,
  type ExceptionMatchData,
} from './enhancements.js';
import type { WorkFrame } from './event-data.js';
import { functionNameForFrame, platformFamily } from './functions.js';
import type { MatchFrame } from './rule-index.js';
import { classifyStacktrace } from './stacktrace-memo.js';

// A plain re-implementation of the rule loops (every rule against every frame, in order), to
// check that the candidate index, the frame memo and the stack trace memo change nothing.
const pathLike = (v: string | undefined): string | undefined => v?.toLowerCase().replaceAll('\\', '/');

function referenceFrames(frames: WorkFrame[], platform: string | undefined): MatchFrame[] {
  return frames.map((f) => ({
    family: platformFamily(f.platform ?? platform),
    function: functionNameForFrame(f, platform) || '<unknown>',
    module: f.module,
    package: pathLike(f.package),
    path: pathLike(f.abs_path || f.filename),
    filename: pathLike(f.filename),
    in_app: f.in_app,
    category: f.category,
  }));
}

function referenceHits(rule: EnhancementRule, frames: MatchFrame[], exception: ExceptionMatchData): number[] {
  return frames.flatMap((_, idx) =>
    rule.matchers.every((m) => {
      const target = frames[idx + m.offset];
      return target !== undefined && m.test(target, exception) !== m.negated;
    })
      ? [idx]
      : [],
  );
}

function range(kind: 'up' | 'down' | null, idx: number, length: number): number[] {
  if (kind === null) return [idx];
  return kind === 'up'
    ? Array.from({ length: length - idx - 1 }, (_, k) => idx + 1 + k)
    : Array.from({ length: idx }, (_, k) => k);
}

function referenceClassify(
  rules: readonly EnhancementRule[],
  frames: WorkFrame[],
  platform: string | undefined,
  exception: ExceptionMatchData,
): void {
  const matchFrames = referenceFrames(frames, platform);
  for (const rule of rules) {
    for (const idx of referenceHits(rule, matchFrames, exception)) {
      for (const action of rule.actions) {
        if (action.kind === 'var') {
          (matchFrames[idx] as MatchFrame).category = action.value;
          (frames[idx] as WorkFrame).category = action.value;
          continue;
        }
        for (const t of range(action.range, idx, frames.length)) {
          (matchFrames[t] as MatchFrame).in_app = action.value;
          Object.assign(frames[t] as WorkFrame, { in_app: action.value, in_app_rule: rule.text });
        }
      }
    }
  }
}

function referenceContributes(
  rules: readonly EnhancementRule[],
  frames: WorkFrame[],
  platform: string | undefined,
  exception: ExceptionMatchData,
): {
  verdicts: ({ contributes: boolean; rule: string } | undefined)[];
  maxFrames?: number;
  minFrames?: number;
} {
  const matchFrames = referenceFrames(frames, platform);
  const verdicts: ({ contributes: boolean; rule: string } | undefined)[] = frames.map(() => undefined);
  let maxFrames: number | undefined;
  let minFrames: number | undefined;
  for (const rule of rules) {
    for (const idx of referenceHits(rule, matchFrames, exception)) {
      for (const action of rule.actions) {
        if (action.kind === 'var') {
          const n = Number.parseInt(action.value, 10);
          if (action.name === 'max-frames' && Number.isFinite(n)) maxFrames = n;
          if (action.name === 'min-frames' && Number.isFinite(n)) minFrames = n;
          continue;
        }
        for (const t of range(action.range, idx, frames.length)) {
          verdicts[t] = { contributes: action.value, rule: rule.text };
        }
      }
    }
  }
  return { verdicts, maxFrames, minFrames };
}

const frameArb: fc.Arbitrary<WorkFrame> = fc.record(
  {
    platform: fc.constantFrom(undefined, 'javascript', 'node', 'native', 'cocoa', 'python', 'java'),
    function: fc.constantFrom(
      undefined,
      'run',
      'call',
      'loop',
      'handleMessage',
      'runMicrotasks',
      'std::vector<int>::push_back(int const&)',
      'core::panicking::panic_fmt',
      '__cxa_throw',
      'kscm_handler',
      '-[KSCrash install]',
      'google_breakpad::ExceptionHandler::SignalHandler',
      'UE::Assert::Private::ExecCheckImplInternal',
      'Foo_block_invoke_2',
    ),
    module: fc.constantFrom(
      undefined,
      'android.os.Looper',
      'android.os.Handler',
      'java.lang.reflect.Method',
      'io.sentry.Hub',
      'dalvik.system.NativeStart',
      '@babel/runtime/x',
      'app',
    ),
    abs_path: fc.constantFrom(
      undefined,
      '/usr/lib/libc.so',
      'webpack:///./node_modules/x.js',
      'webpack:///./src/app.js',
      'app:///main.js',
      '/srv/node_modules/x.js',
      'package:sentry/x.dart',
      'C:\\Windows\\System32\\X.dll',
      '/go/pkg/mod/x.go',
    ),
    filename: fc.constantFrom(undefined, './node_modules/x.js', '~/src/a.js', 'x.py', 'Main.java'),
    package: fc.constantFrom(
      undefined,
      '/usr/lib/system/libdyld.dylib',
      '/apex/com.android.runtime/lib64/bionic/libc.so',
      '/var/containers/Bundle/Application/X/App.app/App',
      'libBugly.so',
    ),
    in_app: fc.constantFrom(true, false, undefined),
    category: fc.constantFrom(undefined, undefined, undefined, 'system', 'std', 'throw'),
    sourcemap_used: fc.constant(false),
  },
  { requiredKeys: ['sourcemap_used'] },
);

const CUSTOM_RULES = [
  '',
  'function:run* +app ^-app',
  '[ function:loop ] | function:* category=indirection',
  'function:* | [ category:system ] -app v+app',
  'app:yes function:call -group ^+group max-frames=2',
  'error.type:Boom* -app',
  'error.value:"*42*" category=telemetry\ncategory:telemetry +group min-frames=3',
  '!module:android.* family:native,javascript -app',
  'family:other stack.module:io.sentry.* +app',
];

const exceptionArb: fc.Arbitrary<ExceptionMatchData> = fc.record({
  type: fc.constantFrom(undefined, 'Boom', 'BoomError', 'Other'),
  value: fc.constantFrom(undefined, 'x', 'error 42'),
  mechanism: fc.constantFrom(undefined, 'generic'),
});

const copy = (frames: WorkFrame[]): WorkFrame[] => frames.map((f) => ({ ...f }));
const view = (frames: WorkFrame[]) =>
  frames.map(({ in_app, in_app_rule, category }) => ({ in_app, in_app_rule, category }));

describe('stack trace rule matching (candidate index and memos)', () => {
  const base = parseEnhancements(ALL_PLATFORMS_2023_01_11_RULES).rules;

  it('classifies exactly like testing every rule against every frame', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(...CUSTOM_RULES),
        fc.constantFrom(undefined, 'javascript', 'native', 'python'),
        exceptionArb,
        (frames, custom, platform, exception) => {
          const enhancements = loadEnhancements(parseEnhancements(custom).rules);
          const expected = copy(frames);
          referenceClassify(enhancements.classifier, expected, platform, exception);
          const indexed = copy(frames);
          applyClassifierRules(enhancements, indexed, platform, exception);
          expect(view(indexed)).toEqual(view(expected));
          // Twice through the stack trace memo: computed, then replayed.
          for (let round = 0; round < 2; round++) {
            const memoized = copy(frames);
            classifyStacktrace(enhancements, { frames: memoized }, platform, exception);
            expect(view(memoized)).toEqual(view(expected));
          }
          const contributes = applyContributesRules(enhancements, expected, platform, exception);
          const reference = referenceContributes(enhancements.contributes, expected, platform, exception);
          expect(contributes.verdicts).toEqual(reference.verdicts);
          expect([contributes.maxFrames, contributes.minFrames]).toEqual([
            reference.maxFrames,
            reference.minFrames,
          ]);
        },
      ),
      { numRuns: 400 },
    );
    expect(base.length).toBe(331);
  });

  it('keeps one frame content with different in-app flags, categories and neighbours apart', () => {
    const enhancements = loadEnhancements(
      parseEnhancements('app:yes function:shared category=mine\n[ category:mine ] | function:shared -app')
        .rules,
    );
    const shared = (fields: Partial<WorkFrame>): WorkFrame => ({
      function: 'shared',
      module: 'm',
      sourcemap_used: false,
      ...fields,
    });
    const run = (frames: WorkFrame[]) => {
      classifyStacktrace(enhancements, { frames }, 'python', {});
      return view(frames);
    };
    const inApp = run([shared({ in_app: true }), shared({ in_app: true })]);
    const notInApp = run([shared({ in_app: false }), shared({ in_app: false })]);
    const preset = run([shared({ in_app: false, category: 'mine' }), shared({ in_app: true })]);
    expect(inApp.map((f) => [f.in_app, f.category])).toEqual([
      [true, 'mine'],
      [false, 'mine'],
    ]);
    expect(notInApp.map((f) => [f.in_app, f.category])).toEqual([
      [false, undefined],
      [false, undefined],
    ]);
    expect(preset.map((f) => [f.in_app, f.category])).toEqual([
      [false, 'mine'],
      [false, 'mine'],
    ]);
    // Replaying from the memo gives the same answers in any order.
    expect(run([shared({ in_app: false }), shared({ in_app: false })])).toEqual(notInApp);
    expect(run([shared({ in_app: true }), shared({ in_app: true })])).toEqual(inApp);
  });
});
