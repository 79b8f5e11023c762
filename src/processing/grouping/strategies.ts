/**
 * Runs the strategies of `newstyle:2023-01-11` in priority order and combines their components
 * into the root components of the `app`, `system` and `default` variants.
 *
 * Priority (highest first): chained-exception 2000, threads 1900, stacktrace 1800, template 1100,
 * csp 1003, hpkp 1002, expect-staple 1001, expect-ct 1000, message 0. The first strategy that
 * yields a contributing component wins; components of later strategies are kept for display but
 * marked non-contributing ("exception of system takes precedence").
 *
 * Follows `sentry: src/sentry/grouping/api.py` (`_get_variants_from_strategies`),
 * `src/sentry/grouping/strategies/base.py` (`Strategy.get_grouping_components`),
 * `strategies/message.py`, `strategies/template.py` and `strategies/security.py`;
 * reference/sentry-semantics.md §3.1–3.3.
 */
import { asString, type JsonObject } from '../../protocol/json.js';
import { Component } from './component.js';
import type { WorkEvent } from './event-data.js';
import { normalizeMessageForGrouping } from './message.js';
import {
  chainedExceptionStrategy,
  removeNonStacktraceVariants,
  stacktraceStrategy,
  threadsStrategy,
  type ComponentsByVariant,
  type StrategyContext,
} from './stacktrace-strategies.js';

interface Strategy {
  /** The interface's external name, used in precedence hints. */
  name: string;
  run(ctx: StrategyContext): ComponentsByVariant | undefined;
  /** Post-processing of the variants (`remove_non_stacktrace_variants`). */
  stacktraceVariants: boolean;
}

function messageStrategy(work: WorkEvent): ComponentsByVariant | undefined {
  const entry = work.logentry;
  if (entry === undefined) return undefined;
  // The template (`message`) groups `log("user %s failed", x)` calls together.
  const raw = entry.message || entry.formatted || '';
  const normalized = normalizeMessageForGrouping(raw);
  return new Map([
    [
      'default',
      new Component('message', {
        values: [normalized],
        hint: raw !== normalized ? 'stripped event-specific values' : null,
      }),
    ],
  ]);
}

function templateStrategy(work: WorkEvent): ComponentsByVariant | undefined {
  const template = work.template;
  if (template === undefined) return undefined;
  const filename = new Component('filename');
  if (template.filename !== undefined) filename.update({ values: [template.filename] });
  const contextLine = new Component('context-line');
  if (template.context_line !== undefined) contextLine.update({ values: [template.context_line] });
  return new Map([['default', new Component('template', { values: [filename, contextLine] })]]);
}

/** Python's `urlsplit(...)[:2]` (scheme, netloc) for a CSP blocked URI. */
function splitSchemeHost(value: string): [string, string] {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/su.exec(value);
  if (m === null) return ['', ''];
  const rest = m[2] as string;
  const host = rest.startsWith('//') ? (/^\/\/([^/?#]*)/u.exec(rest)?.[1] ?? '') : '';
  return [(m[1] as string).toLowerCase(), host];
}

/** Sentry's `Csp._normalize_uri`: `'self'`, a bare host for http(s), else `scheme://host`. */
export function normalizeCspUri(value: string): string {
  if (value === '' || value === "'self'" || value === 'self') return "'self'";
  const [scheme, host] = value.includes(':') ? splitSchemeHost(value) : [value, ''];
  if (value.includes(':') && (scheme === 'http' || scheme === 'https')) return host;
  if (host !== '') return `${scheme}://${host}`;
  return scheme === '' ? '' : `${scheme}:`;
}

function cspStrategy(csp: JsonObject): ComponentsByVariant {
  const directive = asString(csp['effective_directive']);
  const violated = asString(csp['violated_directive']);
  const uri = normalizeCspUri(asString(csp['blocked_uri']) ?? '');
  let localViolation: string | undefined;
  if (violated && directive === 'script-src' && uri === "'self'") {
    if (violated.includes("'unsafe-inline'")) localViolation = 'unsafe-inline';
    else if (violated.includes("'unsafe-eval'")) localViolation = 'unsafe-eval';
  }
  const violation = new Component('violation');
  const uriComponent = new Component('uri');
  if (localViolation !== undefined) {
    violation.update({ values: [`'${localViolation}'`] });
    uriComponent.update({ contributes: false, hint: 'violation takes precedence', values: [uri] });
  } else {
    violation.update({ contributes: false, hint: 'not a local script violation' });
    uriComponent.update({ values: [uri] });
  }
  const salt = new Component('salt', { values: [directive ?? 'None'] });
  return new Map([['default', new Component('csp', { values: [salt, violation, uriComponent] })]]);
}

function hostnameReportStrategy(id: string, report: JsonObject): ComponentsByVariant {
  return new Map([
    [
      'default',
      new Component(id, {
        values: [
          new Component('salt', { values: [id] }),
          new Component('hostname', { values: [asString(report['hostname']) ?? 'None'] }),
        ],
      }),
    ],
  ]);
}

const STRATEGIES: readonly Strategy[] = [
  {
    name: 'exception',
    stacktraceVariants: true,
    run: (ctx) => (ctx.work.exceptions ? chainedExceptionStrategy(ctx.work.exceptions, ctx) : undefined),
  },
  {
    name: 'threads',
    stacktraceVariants: true,
    run: (ctx) => (ctx.work.threads ? threadsStrategy(ctx.work.threads, ctx) : undefined),
  },
  {
    name: 'stacktrace',
    stacktraceVariants: true,
    run: (ctx) => (ctx.work.stacktrace ? stacktraceStrategy(ctx.work.stacktrace, ctx) : undefined),
  },
  { name: 'template', stacktraceVariants: false, run: (ctx) => templateStrategy(ctx.work) },
  {
    name: 'csp',
    stacktraceVariants: false,
    run: (ctx) => (ctx.work.csp ? cspStrategy(ctx.work.csp) : undefined),
  },
  {
    name: 'hpkp',
    stacktraceVariants: false,
    run: (ctx) => (ctx.work.hpkp ? hostnameReportStrategy('hpkp', ctx.work.hpkp) : undefined),
  },
  {
    name: 'expectstaple',
    stacktraceVariants: false,
    run: (ctx) =>
      ctx.work.expectstaple ? hostnameReportStrategy('expect-staple', ctx.work.expectstaple) : undefined,
  },
  {
    name: 'expectct',
    stacktraceVariants: false,
    run: (ctx) => (ctx.work.expectct ? hostnameReportStrategy('expect-ct', ctx.work.expectct) : undefined),
  },
  { name: 'message', stacktraceVariants: false, run: (ctx) => messageStrategy(ctx.work) },
];

/**
 * Strips the `!` priority markers and stops non-priority variants from contributing when they
 * hash exactly like a priority one ("ignored because hash matches app variant").
 */
function dedupeAgainstPriority(raw: ComponentsByVariant): ComponentsByVariant {
  const out: ComponentsByVariant = new Map();
  const priorityHashes = new Map<string, string>();
  const others: string[] = [];
  for (const [key, component] of raw) {
    const name = key.replace(/^!/u, '');
    if (component.contributes) {
      if (key.startsWith('!')) priorityHashes.set(component.getHash() ?? '', name);
      else others.push(name);
    }
    out.set(name, component);
  }
  for (const name of others) {
    const component = out.get(name) as Component;
    const duplicateOf = priorityHashes.get(component.getHash() ?? '');
    if (duplicateOf !== undefined) {
      component.update({ contributes: false, hint: `ignored because hash matches ${duplicateOf} variant` });
    }
  }
  return out;
}

const ROOT_IDS = new Set(['app', 'system', 'default']);

/**
 * Runs every strategy on the (normalised) event and returns the root component per variant
 * (`app`, `system`, `default`), in the order Sentry creates them.
 */
export function variantsFromStrategies(ctx: StrategyContext): Map<string, Component> {
  let winner: string | undefined;
  let precedenceHint: string | undefined;
  const perVariant = new Map<string, Component[]>();
  for (const strategy of STRATEGIES) {
    const raw = strategy.run(ctx);
    if (raw === undefined) continue;
    let components = dedupeAgainstPriority(raw);
    if (strategy.stacktraceVariants) components = removeNonStacktraceVariants(components);
    for (const [variant, component] of components) {
      const list = perVariant.get(variant) ?? [];
      list.push(component);
      perVariant.set(variant, list);
      if (!component.contributes) continue;
      if (winner === undefined) {
        winner = strategy.name;
        const contributing = [...components]
          .filter(([, c]) => c.contributes)
          .map(([name]) => name)
          .sort()
          .join('/');
        const subject = variant !== 'default' ? `${strategy.name} of ${contributing}` : strategy.name;
        precedenceHint = `${subject} take${strategy.name.endsWith('s') ? '' : 's'} precedence`;
      } else if (strategy.name !== winner) {
        component.update({ contributes: false, hint: precedenceHint ?? null });
      }
    }
  }
  const roots = new Map<string, Component>();
  for (const [variant, components] of perVariant) {
    if (!ROOT_IDS.has(variant)) continue;
    const root = new Component(variant, { values: components });
    if (!root.contributes && precedenceHint !== undefined) root.update({ hint: precedenceHint });
    roots.set(variant, root);
  }
  return roots;
}
