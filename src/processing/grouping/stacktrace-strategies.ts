/**
 * The stack-trace based strategies of `newstyle:2023-01-11`: `stacktrace:v1`,
 * `single-exception:v1`, `chained-exception:v1` (with exception-group filtering) and
 * `threads:v1`. Each returns components keyed by variant; a `!` prefix marks the priority
 * variant (`!app`) that the other variant is deduplicated against.
 *
 * Follows `sentry: src/sentry/grouping/strategies/newstyle.py`; reference/sentry-semantics.md §3.3.
 */
import { Component } from './component.js';
import {
  applyContributesRules,
  assembleStacktraceComponent,
  type ContributesOutcome,
  type Enhancements,
  type ExceptionMatchData,
} from './enhancements.js';
import type { WorkEvent, WorkException, WorkStacktrace, WorkThread } from './event-data.js';
import { frameComponent, hasUrlOrigin, isRecursiveFrame } from './frame-strategy.js';
import { platformFamily } from './functions.js';
import { normalizeMessageForGrouping } from './message.js';
import { exceptionComponents, stacktraceComponents, type StacktraceComponents } from './stacktrace-memo.js';

/** Components produced by one strategy, keyed by variant name (`!app`, `system`, `app`, `default`). */
export type ComponentsByVariant = Map<string, Component>;

/** State shared by the strategies while grouping one event. */
export interface StrategyContext {
  readonly work: WorkEvent;
  readonly enhancements: Enhancements;
  /** Set when exception-group handling picks the exception that should title the event. */
  mainExceptionId?: number | undefined;
}

function singleStacktraceVariant(
  variant: 'app' | 'system',
  stacktrace: WorkStacktrace,
  ctx: StrategyContext,
  outcome: ContributesOutcome,
): Component {
  const { frames } = stacktrace;
  const components = frames.map((frame, i) => {
    const component = frameComponent(frame, ctx.work.platform);
    if (isRecursiveFrame(frame, frames[i - 1])) {
      component.update({ contributes: false, hint: 'ignored due to recursion' });
    }
    if (variant === 'app' && !frame.in_app) component.update({ contributes: false });
    return component;
  });
  const only = frames[0];
  // Kept as Sentry has it for this config: the "non-URL" check really drops frames *with* URLs.
  if (
    frames.length === 1 &&
    only !== undefined &&
    components[0]?.contributes === true &&
    platformFamily(only.platform ?? ctx.work.platform) === 'javascript' &&
    !only.function &&
    hasUrlOrigin(only.abs_path, true)
  ) {
    components[0].update({ contributes: false, hint: 'ignored single non-URL JavaScript frame' });
  }
  return assembleStacktraceComponent(variant, components, frames, outcome);
}

/**
 * `stacktrace:v1`: the `!app` and `system` stack trace components, with Sentry's hints. They are
 * remembered per stack trace (see `stacktrace-memo.ts`); the returned top nodes are fresh copies,
 * their frame components are shared and must not be changed.
 */
export function stacktraceStrategy(
  stacktrace: WorkStacktrace,
  ctx: StrategyContext,
  exception: ExceptionMatchData = {},
): ComponentsByVariant {
  const { app, system } = stacktraceComponents(stacktrace, ctx.enhancements, () =>
    buildStacktraceComponents(stacktrace, ctx, exception),
  );
  return new Map([
    ['!app', app.shallowCopy()],
    ['system', system.shallowCopy()],
  ]);
}

function buildStacktraceComponents(
  stacktrace: WorkStacktrace,
  ctx: StrategyContext,
  exception: ExceptionMatchData,
): StacktraceComponents {
  const outcome = applyContributesRules(ctx.enhancements, stacktrace.frames, ctx.work.platform, exception);
  const app = singleStacktraceVariant('app', stacktrace, ctx, outcome);
  const system = singleStacktraceVariant('system', stacktrace, ctx, outcome);
  const systemFrames = system.values.filter((v): v is Component => v instanceof Component);
  const inAppFrames = systemFrames.filter((f) => f.inApp === true);
  const contributingFrames = systemFrames.filter((f) => f.contributes);
  const inAppContributing = inAppFrames.filter((f) => f.contributes);
  if (systemFrames.length === 0) {
    system.update({ contributes: false, hint: 'ignored because it contains no frames' });
    app.update({ contributes: false, hint: 'ignored because it contains no frames' });
  } else {
    if (contributingFrames.length === 0) {
      system.update({ contributes: false, hint: 'ignored because it contains no contributing frames' });
    }
    if (inAppFrames.length === 0) {
      app.update({ contributes: false, hint: 'ignored because it contains no in-app frames' });
    } else if (inAppContributing.length === 0) {
      app.update({ contributes: false, hint: 'ignored because it contains no contributing frames' });
    }
  }
  return { app, system };
}

function exceptionMatchData(exception: WorkException): ExceptionMatchData {
  return { type: exception.type, value: exception.value, mechanism: exception.mechanism?.type };
}

/**
 * `single-exception:v1`, with the legacy subcomponent order `[stacktrace, type, (ns-error,) value]`.
 * Remembered per exception (see `stacktrace-memo.ts`): the returned top nodes are fresh copies,
 * everything below them is shared and must not be changed.
 */
export function singleExceptionStrategy(exception: WorkException, ctx: StrategyContext): ComponentsByVariant {
  return exceptionComponents(exception, ctx.enhancements, () => buildSingleException(exception, ctx));
}

function buildSingleException(exception: WorkException, ctx: StrategyContext): ComponentsByVariant {
  const stacktraces: ComponentsByVariant = exception.stacktrace
    ? stacktraceStrategy(exception.stacktrace, ctx, exceptionMatchData(exception))
    : new Map([['!app', new Component('stacktrace')]]);
  const out: ComponentsByVariant = new Map();
  for (const [variant, stacktrace] of stacktraces) {
    const type = new Component('type', { values: exception.type ? [exception.type] : [] });
    if (exception.mechanism?.synthetic) {
      // Synthetic exceptions only exist to carry a stack trace; their type means nothing.
      type.update({ contributes: false, hint: 'ignored because exception is synthetic' });
    }
    const nsError = exception.mechanism?.ns_error;
    // Python hashes a missing value as the text "None".
    const nsErrorComponent =
      nsError === undefined
        ? undefined
        : new Component('ns-error', {
            values: [
              new Component('ns-error-domain', { values: [nsError.domain ?? 'None'] }),
              new Component('ns-error-code', { values: [nsError.code ?? 'None'] }),
            ],
          });
    const value = new Component('value');
    if (exception.value !== undefined) {
      const normalized = normalizeMessageForGrouping(exception.value);
      if (normalized !== '') {
        value.update({
          values: [normalized],
          hint: normalized !== exception.value ? 'stripped event-specific values' : null,
        });
      }
    }
    if (stacktrace.contributes && value.contributes) {
      value.update({ contributes: false, hint: 'ignored because stacktrace takes precedence' });
    }
    if (nsErrorComponent?.contributes && value.contributes) {
      value.update({ contributes: false, hint: 'ignored because ns-error info takes precedence' });
    }
    const values =
      nsErrorComponent === undefined
        ? [stacktrace, type, value]
        : [stacktrace, type, nsErrorComponent, value];
    out.set(variant, new Component('exception', { values }));
  }
  return out;
}

/** Stable text of all variants of one exception, to find identical exceptions in a group. */
function variantsKey(components: ComponentsByVariant): string {
  return [...components.values()].map((c) => c.fingerprintKey()).join('\n');
}

/**
 * RFC 0079 exception groups: keeps the distinct top-level (non-group) exceptions plus the root
 * group, or, when there is only one distinct one, that exception and its first-child path.
 * Falls back to all exceptions whenever the `exception_id`/`parent_id` tree is incomplete.
 */
function filterExceptionGroups(
  exceptions: WorkException[],
  components: Map<WorkException, ComponentsByVariant>,
  ctx: StrategyContext,
): WorkException[] {
  if (exceptions.length <= 1) return exceptions;
  // Compatibility shim: sentry-python 3.x started sending group ids; older hashes ignore them.
  if (ctx.work.platform === 'python' && (ctx.work.sdkVersion ?? '').startsWith('3')) return exceptions;

  interface Node {
    exception?: WorkException;
    children: WorkException[];
  }
  const tree = new Map<number, Node>();
  const nodeFor = (id: number): Node => {
    let node = tree.get(id);
    if (node === undefined) {
      node = { children: [] };
      tree.set(id, node);
    }
    return node;
  };
  const seen = new Set<number>();
  for (const exception of [...exceptions].reverse()) {
    const mechanism = exception.mechanism;
    const id = mechanism?.exception_id;
    if (mechanism === undefined || id === undefined || id === mechanism.parent_id || seen.has(id))
      return exceptions;
    seen.add(id);
    nodeFor(id).exception = exception;
    if (mechanism.parent_id !== undefined) nodeFor(mechanism.parent_id).children.push(exception);
  }
  const childrenOf = (exception: WorkException): WorkException[] => {
    const id = exception.mechanism?.exception_id;
    return id === undefined ? [] : (tree.get(id)?.children ?? []);
  };
  // Sentry recurses here; a cycle in the tree raises there and it falls back to all exceptions.
  let cyclic = false;
  const topLevel = (exception: WorkException, depth: number): WorkException[] => {
    if (depth > exceptions.length) {
      cyclic = true;
      return [];
    }
    if (!exception.mechanism?.is_exception_group) return [exception];
    return childrenOf(exception).flatMap((child) => topLevel(child, depth + 1));
  };
  const root = tree.get(0)?.exception;
  if (root === undefined) return exceptions;
  const tops = topLevel(root, 0);
  if (cyclic || tops.length === 0) return exceptions;
  const typeKey = (e: WorkException): string => e.type ?? 'None';
  tops.sort((a, b) => (typeKey(a) > typeKey(b) ? -1 : typeKey(a) < typeKey(b) ? 1 : 0));
  const distinct: WorkException[] = [];
  let lastKey: string | undefined;
  for (const exception of tops) {
    // A lone exception is distinct whatever its key, so skip serialising its components.
    const key = tops.length === 1 ? '' : variantsKey(components.get(exception) ?? new Map());
    if (key !== lastKey) distinct.push(exception);
    lastKey = key;
  }
  if (distinct.length === 1) {
    const main = distinct[0] as WorkException;
    ctx.mainExceptionId = main.mechanism?.exception_id;
    const path: WorkException[] = [];
    for (let e: WorkException | undefined = main; e !== undefined; e = childrenOf(e)[0]) {
      if (path.length > exceptions.length) return exceptions;
      path.push(e);
    }
    return path;
  }
  return [...distinct, root];
}

const REACT_ERRORS_WITH_CAUSE = new Set([
  'There was an error during concurrent rendering but React was able to recover by instead synchronously rendering the entire root.',
  'There was an error while hydrating but React was able to recover by instead client rendering from the nearest Suspense boundary.',
]);
const RXJAVA_WRAPPERS = new Set([
  'OnErrorNotImplementedException',
  'CompositeException',
  'UndeliverableException',
]);

/** Sentry's `_maybe_override_main_exception_id`: React 19 causes and RxJava wrappers. */
function overrideMainExceptionId(exceptions: WorkException[]): number | undefined {
  const first = exceptions[0];
  const last = exceptions[exceptions.length - 1];
  if (
    first?.type === 'Error' &&
    first.value !== undefined &&
    REACT_ERRORS_WITH_CAUSE.has(first.value) &&
    last?.mechanism?.source === 'cause' &&
    last.mechanism.exception_id !== undefined
  ) {
    return last.mechanism.exception_id;
  }
  const wrapper = exceptions.find(
    (e) =>
      e.module === 'io.reactivex.rxjava3.exceptions' &&
      e.type !== undefined &&
      RXJAVA_WRAPPERS.has(e.type) &&
      e.mechanism?.type === 'UncaughtExceptionHandler',
  );
  const wrapperId = wrapper?.mechanism?.exception_id;
  if (wrapperId === undefined) return undefined;
  return exceptions.find(
    (e) => e.mechanism?.parent_id === wrapperId && e.mechanism.exception_id !== undefined,
  )?.mechanism?.exception_id;
}

/** `chained-exception:v1`: all (filtered) exceptions, or the single exception's components. */
export function chainedExceptionStrategy(
  exceptions: WorkException[],
  ctx: StrategyContext,
): ComponentsByVariant {
  const components = new Map(exceptions.map((e) => [e, singleExceptionStrategy(e, ctx)] as const));
  const kept = filterExceptionGroups(exceptions, components, ctx);
  if (kept.length === 1) return components.get(kept[0] as WorkException) ?? new Map();
  if (kept.length > 1) {
    const override = overrideMainExceptionId(kept);
    if (override) ctx.mainExceptionId = override;
  }
  const byVariant = new Map<string, Component[]>();
  for (const exception of kept) {
    for (const [variant, component] of components.get(exception) ?? []) {
      const list = byVariant.get(variant) ?? [];
      list.push(component);
      byVariant.set(variant, list);
    }
  }
  return new Map(
    [...byVariant].map(([variant, list]) => [variant, new Component('chained-exception', { values: list })]),
  );
}

function threadComponents(threads: WorkThread[], ctx: StrategyContext): ComponentsByVariant | undefined {
  if (threads.length !== 1) return undefined;
  const stacktrace = (threads[0] as WorkThread).stacktrace;
  if (stacktrace === undefined) {
    return new Map([
      [
        'app',
        new Component('threads', { contributes: false, hint: 'ignored because thread has no stacktrace' }),
      ],
    ]);
  }
  return new Map(
    [...stacktraceStrategy(stacktrace, ctx)].map(([variant, c]) => [
      variant,
      new Component('threads', { values: [c] }),
    ]),
  );
}

/** `threads:v1`: the single crashed, else current, else only thread's stack trace. */
export function threadsStrategy(threads: WorkThread[], ctx: StrategyContext): ComponentsByVariant {
  const crashed = threads.filter((t) => t.crashed);
  const current = threads.filter((t) => t.current);
  const picked =
    threadComponents(crashed, ctx) ?? threadComponents(current, ctx) ?? threadComponents(threads, ctx);
  if (picked !== undefined) return picked;
  return new Map([
    [
      'app',
      new Component('threads', {
        contributes: false,
        hint:
          'ignored because it contains neither a single thread nor multiple threads with exactly one crashing ' +
          `or current thread; instead contains ${crashed.length} crashing, ${current.length} current, ` +
          `and ${threads.length} total threads`,
      }),
    ],
  ]);
}

/**
 * Sentry's `remove_non_stacktrace_variants`: when some variant has a contributing stack trace,
 * variants without one stop contributing.
 */
export function removeNonStacktraceVariants(variants: ComponentsByVariant): ComponentsByVariant {
  if (variants.size <= 1) return variants;
  const withStacktrace: string[] = [];
  const without: Component[] = [];
  for (const [name, component] of variants) {
    if (component.hasContributingSubcomponent('stacktrace')) withStacktrace.push(name.replace(/^!/u, ''));
    else without.push(component);
  }
  if (withStacktrace.length > 0) {
    const suffix =
      withStacktrace.length === 1 ? `the ${withStacktrace[0] as string} variant does` : 'others do';
    for (const component of without) {
      component.update({
        contributes: false,
        hint: `ignored because this variant does not have a contributing stacktrace, but ${suffix}`,
      });
    }
  }
  return variants;
}
