/**
 * `vigil traces show <trace_id>` and `vigil spans list`, through the running server's web API:
 *
 * - `traces show` reads `GET /api/0/organizations/{org}/trace/{trace_id}/`
 *   (src/server/api/traces.ts) and prints the trace as an indented tree, one line per span
 *   (`op — name  duration ms  [status]`, children indented under their parent) with the errors
 *   of each span beneath it (`! level: title (issue <id>)`);
 * - `spans list` reads the explore API with `dataset=spans` (src/server/api/logs.ts), newest
 *   first, one tab-separated line per span after a header.
 */
import type { Command } from 'commander';
import { exploreApiPath, exploreListOptions, oneLine } from './explore.js';
import { DEFAULT_SESSION_COMMAND_HELPERS, type SessionCommandHelpers } from './sessions.js';

/** What the commands need from the CLI around them (the same helpers as `vigil sessions`). */
export type TraceCommandHelpers = SessionCommandHelpers;

interface TraceNode {
  event_type?: string;
  op?: string;
  name?: string;
  duration?: number;
  status?: string;
  title?: string;
  level?: string;
  issue_id?: number;
  errors?: TraceNode[];
  children?: TraceNode[];
}

function errorLine(error: TraceNode, indent: string): string {
  return `${indent}! ${oneLine(error.level)}: ${oneLine(error.title)} (issue ${String(error.issue_id ?? '?')})`;
}

/** The lines `vigil traces show` prints for a trace-endpoint answer (see the module comment). */
export function formatTraceTree(body: unknown): string[] {
  const lines: string[] = [];
  const walk = (node: TraceNode, depth: number): void => {
    const indent = '  '.repeat(depth);
    if (node.event_type === 'error') {
      lines.push(errorLine(node, indent));
      return;
    }
    const op = node.op === undefined || node.op === '' ? 'default' : node.op;
    const duration = typeof node.duration === 'number' ? `${node.duration.toFixed(3)} ms` : '';
    lines.push(`${indent}${oneLine(op)} — ${oneLine(node.name)}  ${duration}  [${oneLine(node.status)}]`);
    for (const error of node.errors ?? []) lines.push(errorLine(error, `${indent}  `));
    for (const child of node.children ?? []) walk(child, depth + 1);
  };
  for (const root of Array.isArray(body) ? (body as TraceNode[]) : []) walk(root, 0);
  return lines;
}

const SPAN_FIELDS = ['timestamp', 'trace', 'id', 'span.op', 'span.name', 'span.duration', 'project'];

/**
 * The explore-API path of `vigil spans list`: the fields above, `-timestamp` order, over
 * `--stats-period` (default 24h), narrowed by `--query` and `--project`, at most `--limit` rows.
 */
export function spansApiPath(opts: Record<string, unknown>): string {
  return exploreApiPath('spans', SPAN_FIELDS, opts);
}

/** The lines `vigil spans list` prints: a header, then one line per span. */
export function formatSpanLines(body: unknown): string[] {
  const data = (body as { data?: Array<Record<string, unknown>> }).data ?? [];
  const lines = ['timestamp\ttrace\tspan\top\tname\tduration_ms\tproject'];
  for (const row of data) lines.push(SPAN_FIELDS.map((f) => oneLine(row[f])).join('\t'));
  return lines;
}

/**
 * Registers `vigil traces show <trace_id> [--org <slug>]` and `vigil spans list [--query <search>]
 * [--project <slug>] [--stats-period 24h] [--limit 100] [--org <slug>]` on `program`, with the
 * API options of `helpers` (`--url`, `--token`, ...).
 */
export function registerTraceCommands(
  program: Command,
  helpers: TraceCommandHelpers = DEFAULT_SESSION_COMMAND_HELPERS,
): void {
  const traces = program.command('traces').description('traces: spans nested by parent, with errors');
  helpers
    .apiOptions(traces.command('show <traceId>').description('print a trace as a tree (web API)'))
    .option('--org <slug>', 'organization', 'vigil')
    .action(async (traceId: string, opts: Record<string, unknown>) => {
      const config = helpers.loadConfig(opts);
      const org = encodeURIComponent(String(opts.org ?? 'vigil'));
      const path = `/api/0/organizations/${org}/trace/${encodeURIComponent(traceId)}/`;
      const body = await helpers.apiGet(config, opts, path);
      for (const line of formatTraceTree(body)) helpers.print(line);
    });

  const spans = program.command('spans').description('spans of transactions, span items and OTLP traces');
  exploreListOptions(
    helpers.apiOptions(
      spans.command('list').description('recent spans, newest first (web API, Sentry search syntax)'),
    ),
    'spans',
    '"span.op:db span.duration:>100"',
    100,
  ).action(async (opts: Record<string, unknown>) => {
    const config = helpers.loadConfig(opts);
    const body = await helpers.apiGet(config, opts, spansApiPath(opts));
    for (const line of formatSpanLines(body)) helpers.print(line);
  });
}
