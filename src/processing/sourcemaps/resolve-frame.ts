/**
 * Symbolication of one JavaScript frame through its module: Symbolicator's
 * `symbolicate_js_frame` (`symbolicator: crates/symbolicator-js/src/symbolication.rs`). The
 * result is what Symbolicator answers for the frame (the "complete" frame, merged into the
 * event's frame by `symbolicate-event.ts`), the context of the minified file for the raw frame,
 * the mapping name at the position (for naming the next frame, "caller naming"), and errors.
 */
import type { ModuleContext, JsModule, ResolvedWith } from './modules.js';
import { foldFunctionName, functionForToken, scopeFunctionName } from './function-names.js';
import { fixupWebpackFilename, generateModule, isInApp, joinPaths } from './paths.js';
import { getContextLines, type ContextLines } from './source-context.js';
import type { SourceMapView } from './source-map-view.js';
import { BoundedCache } from '../grouping/bounded-cache.js';

/** A problem with one frame's module (Symbolicator's `JsModuleErrorKind`, in its order). */
export type JsModuleErrorKind =
  | { type: 'invalid_location'; line: number; col: number | undefined }
  | { type: 'missing_source_content'; source: string; sourcemap: string }
  | { type: 'missing_source' }
  | { type: 'malformed_sourcemap'; url: string }
  | { type: 'missing_sourcemap' };

/** An error of the frame at `abs_path` (Symbolicator's `JsModuleError`). */
export type JsModuleError = JsModuleErrorKind & { abs_path: string };

/** What Symbolicator reports for a frame; only set fields replace the event frame's. */
export interface SymbolicatedFrame {
  function?: string;
  abs_path: string;
  filename?: string;
  module?: string;
  lineno: number;
  colno?: number;
  context?: ContextLines;
  in_app?: boolean;
  data: { sourcemap?: string; resolved_with?: ResolvedWith; symbolicated: boolean };
}

/** The outcome for one frame; shared between events once remembered, so callers only read it. */
export interface FrameResolution {
  frame: SymbolicatedFrame;
  /** Context of the minified file at the raw position, for `raw_stacktrace`. */
  rawContext: ContextLines | undefined;
  /** The mapping name at the position (`undefined` unless resolved): the next frame's callsite name. */
  tokenName: string | undefined;
  errors: JsModuleError[];
}

/** The frame's input: its URL (without an `async ` prefix), position and minified function name. */
export interface RawJsFrame {
  absPath: string;
  lineno: number;
  colno: number | undefined;
  function: string | undefined;
}

/**
 * Resolves `raw` through `module`. `callsite` is the mapping name of the previous frame that
 * resolved (the caller's call site), used when the enclosing scope has no useful name.
 */
export async function resolveFrame(
  ctx: ModuleContext,
  module: JsModule,
  raw: RawJsFrame,
  callsite: string | undefined,
): Promise<FrameResolution> {
  const base: SymbolicatedFrame = {
    abs_path: raw.absPath,
    lineno: raw.lineno,
    data: { symbolicated: false },
    ...(raw.colno !== undefined ? { colno: raw.colno } : {}),
    ...(raw.function !== undefined ? { function: raw.function } : {}),
  };
  const fail = (
    kind: JsModuleErrorKind,
    rawContext: ContextLines | undefined,
    frame: SymbolicatedFrame = { ...base, ...(rawContext ? { context: rawContext } : {}) },
  ): FrameResolution => ({
    frame,
    rawContext,
    tokenName: undefined,
    errors: [{ ...kind, abs_path: raw.absPath }],
  });
  if (module.minified === undefined) return fail({ type: 'missing_source' }, undefined);
  const column = raw.colno ?? 0;
  const rawContext = module.minified.text.contextAt(raw.lineno, column);
  const { sourceMap } = module;
  // A plain (unminified) file without a map: the raw frame with its context is the answer.
  if (sourceMap === undefined)
    return {
      frame: { ...base, ...(rawContext ? { context: rawContext } : {}) },
      rawContext,
      tokenName: undefined,
      errors: [],
    };
  if (sourceMap.kind === 'missing') return fail({ type: 'missing_sourcemap' }, rawContext);
  if (sourceMap.kind === 'malformed') {
    const frame = { ...base, data: { resolved_with: sourceMap.resolvedWith, symbolicated: false } };
    if (rawContext) frame.context = rawContext;
    return fail({ type: 'malformed_sourcemap', url: module.sourceMapLabel }, rawContext, frame);
  }

  const { view } = sourceMap;
  // Hot bundles fail at the same few places: a resolution that needed nothing but the map is remembered.
  const memo = memoOf(view);
  const memoKey = [
    raw.absPath,
    sourceMap.resolvedWith,
    raw.lineno,
    raw.colno ?? -1,
    raw.function ?? '\u0001',
    callsite ?? '\u0001',
  ].join('\u0000');
  const remembered = memo.get(memoKey);
  if (remembered !== undefined) return remembered;
  const token = view.lookup(raw.lineno - 1, Math.max(0, column - 1));
  if (token === undefined)
    return fail({ type: 'invalid_location', line: raw.lineno, col: column }, rawContext);

  const frame: SymbolicatedFrame = {
    ...base,
    data: { sourcemap: module.sourceMapLabel, resolved_with: sourceMap.resolvedWith, symbolicated: true },
  };
  const scopeName = scopeFunctionName(token.scope, token.name, raw.function);
  frame.function = foldFunctionName(functionForToken(raw.function, scopeName, callsite));
  const sourceName = view.sourceName(token.source);
  frame.abs_path = joinPaths(module.sourceFileBase, sourceName);
  let filename = sourceName;
  if (filename.startsWith('webpack:')) {
    filename = fixupWebpackFilename(filename);
    frame.module = generateModule(filename);
  }
  const inApp = isInApp(frame.abs_path, filename);
  if (inApp !== undefined) frame.in_app = inApp;
  if (frame.module === undefined && /^(https?|webpack|app):/.test(frame.abs_path))
    frame.module = generateModule(frame.abs_path);
  frame.filename = filename;
  frame.lineno = token.line + 1;
  frame.colno = token.column + 1;

  const errors: JsModuleError[] = [];
  const lines = view.sourceLines(token.source);
  if (lines === undefined) {
    // No `sourcesContent`: the original file may have been uploaded on its own.
    const url = joinPaths(module.sourceFileBase, sourceName);
    const file =
      ctx.release === undefined
        ? undefined
        : await ctx.lookups.byUrl(ctx.projectId, ctx.release, ctx.dist, url);
    if (file === undefined) {
      errors.push({
        type: 'missing_source_content',
        source: url,
        sourcemap: module.sourceMapLabel,
        abs_path: raw.absPath,
      });
    } else {
      const context = ctx.cache.text(file).contextAt(frame.lineno, frame.colno);
      if (context !== undefined) frame.context = context;
    }
  }
  const resolution: FrameResolution = { frame, rawContext, tokenName: token.name, errors };
  if (lines !== undefined) {
    const context = getContextLines(lines, frame.lineno, frame.colno);
    if (context !== undefined) frame.context = context;
    memo.set(memoKey, resolution);
  }
  return resolution;
}

/** Resolutions per source map, keyed by everything they depend on besides the map. */
const memos = new WeakMap<SourceMapView, BoundedCache<string, FrameResolution>>();
const MEMO_ENTRIES = 4096;

function memoOf(view: SourceMapView): BoundedCache<string, FrameResolution> {
  let memo = memos.get(view);
  if (memo === undefined) {
    memo = new BoundedCache(MEMO_ENTRIES);
    memos.set(view, memo);
  }
  return memo;
}
