/**
 * Platform families and function-name trimming for grouping.
 *
 * Follows `sentry: src/sentry/stacktraces/platform.py` (`get_behavior_family_for_platform`) and
 * `src/sentry/stacktraces/functions.py` (`trim_function_name`, `trim_native_function_name`,
 * `get_function_name_for_frame`).
 */
import { BoundedTupleCache } from './bounded-cache.js';

/** Sentry's behaviour family of a platform. */
export type PlatformFamily = 'native' | 'javascript' | 'other';

const NATIVE_PLATFORMS = new Set(['objc', 'cocoa', 'swift', 'native', 'c']);
const JAVASCRIPT_PLATFORMS = new Set(['javascript', 'node']);

/** `native` for objc/cocoa/swift/native/c, `javascript` for javascript/node, else `other`. */
export function platformFamily(platform: string | undefined): PlatformFamily {
  if (platform === undefined) return 'other';
  if (NATIVE_PLATFORMS.has(platform)) return 'native';
  if (JAVASCRIPT_PLATFORMS.has(platform)) return 'javascript';
  return 'other';
}

const WINDECL_HASH = /^@?(.*?)@[0-9]+$/su;
const RUST_HASH = /::h[a-z0-9]{16}$/u;
const GNU_VERSION = /@@?GLIBC_([0-9.]+)$/u;
const CPP_TRAILER = /(\bconst\b|&)$/u;
const RUST_BLANKET = /^([A-Z] as )/u;
const LAMBDA_SOURCE = String.raw`(?:\{lambda\(.*?\)#\d+\})|(?:\blambda_[a-f0-9]{32}\b)|(?:\$_\d+\b)`;
const LAMBDA_GLOBAL = new RegExp(LAMBDA_SOURCE, 'gu');
const LAMBDA_AT_START = new RegExp(`^(?:${LAMBDA_SOURCE})`, 'u');
const ANON_NAMESPACE = /\?A0x[a-f0-9]{8}::/gu;
const TOKEN_BREAK = /\s|[({<[]/u;
const PAIRS: Record<string, string> = { '(': ')', '{': '}', '[': ']', '<': '>' };

type Replacement = string | ((inner: string, start: number) => string) | null;

/** Removes (or replaces) balanced `start…end` spans, like Sentry's `replace_enclosed_string`. */
function replaceEnclosed(s: string, start: string, end: string, replacement: Replacement): string {
  if (!s.includes(start)) return s;
  let depth = 0;
  let pairStart = 0;
  let out = '';
  const chars = [...s];
  for (let idx = 0; idx < chars.length; idx++) {
    const ch = chars[idx] as string;
    if (ch === start) {
      if (depth === 0) pairStart = idx;
      depth++;
    } else if (ch === end) {
      depth--;
      if (depth === 0) {
        if (typeof replacement === 'string') out += replacement;
        else if (replacement !== null)
          out += replacement(chars.slice(pairStart + 1, idx).join(''), pairStart);
      }
    } else if (depth === 0) {
      out += ch;
    }
  }
  return out;
}

/** Splits a demangled signature into whitespace-separated tokens, keeping brackets together. */
function splitFuncTokens(s: string): string[] {
  if (s !== '' && !TOKEN_BREAK.test(s)) return [s];
  const out: string[] = [];
  let buf: string[] = [];
  const stack: string[] = [];
  let end = 0;
  const chars = [...s];
  for (let idx = 0; idx < chars.length; idx++) {
    const ch = chars[idx] as string;
    const closer = PAIRS[ch];
    if (closer !== undefined) {
      stack.push(closer);
    } else if (stack.length > 0 && ch === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) {
        buf.push(chars.slice(end, idx + 1).join(''));
        end = idx + 1;
      }
    } else if (stack.length === 0) {
      if (/\s/u.test(ch)) {
        if (buf.length > 0) out.push(buf.join(''));
        buf = [];
      } else {
        buf.push(chars.slice(end, idx + 1).join(''));
      }
      end = idx + 1;
    }
  }
  if (buf.length > 0) out.push(buf.join(''));
  return out;
}

/** Sentry's `trim_native_function_name`: isolates the function name of a demangled symbol. */
export function trimNativeFunctionName(
  fn: string,
  platform: string | undefined,
  normalizeLambdas = true,
): string {
  if (fn === '<redacted>' || fn === '<unknown>') return fn;
  const original = fn;
  let f = fn.trim();
  if (f.startsWith('[') || f.startsWith('+[') || f.startsWith('-[')) return f;

  f = replaceEnclosed(f, '[', ']', (value) => (value.startsWith('clone .') ? '' : `[${value}]`)).trimEnd();
  for (let m = CPP_TRAILER.exec(f); m !== null; m = CPP_TRAILER.exec(f)) f = f.slice(0, m.index).trimEnd();

  f = f
    .replaceAll('operator<<', 'operator⟨⟨')
    .replaceAll('operator<', 'operator⟨')
    .replaceAll('operator()', 'operator◯')
    .replaceAll('operator->', 'operator⟿')
    .replaceAll(' -> ', ' ⟿ ')
    .replaceAll("`anonymous namespace'", '〔anonymousnamespace〕');

  if (normalizeLambdas && (f.includes('lambda') || f.includes('$_'))) f = f.replace(LAMBDA_GLOBAL, 'lambda');
  if (normalizeLambdas && f.includes('?A0x')) f = f.replace(ANON_NAMESPACE, '〔anonymousnamespace〕::');

  f = replaceEnclosed(f, '(', ')', (value) => {
    const v = value.trim();
    return v === 'anonymous namespace' || v === 'operator' ? `(${v})` : '';
  });

  const processGenerics = (value: string, start: number): string => {
    if (value === 'lambda' || LAMBDA_AT_START.test(value)) return `<${value}>`;
    if (start > 0) return '<T>';
    let v = value.replace(RUST_BLANKET, '');
    v = replaceEnclosed(v, '<', '>', processGenerics);
    return v.split(' as ')[0] as string;
  };
  f = replaceEnclosed(f, '<', '>', processGenerics);

  const isThunk = f.includes('thunk for ');
  const tokens = splitFuncTokens(f);
  if (tokens.length > 1 && tokens[tokens.length - 1] === '<T>') {
    tokens.pop();
    tokens[tokens.length - 1] += ' <T>';
  }

  let funcToken: string | undefined;
  if (f.includes('initialization expression of')) {
    const lastOf = tokens.lastIndexOf('of');
    funcToken = tokens[lastOf + 1];
    if (funcToken === 'static') funcToken = tokens[lastOf + 2];
    if (funcToken?.startsWith(':')) funcToken = funcToken.slice(1);
    funcToken = `initializer expression of ${funcToken ?? ''}`;
  } else if (tokens.length > 0) {
    const lastArrow = tokens.lastIndexOf('⟿');
    if (lastArrow >= 1) {
      funcToken = tokens[lastArrow - 1];
      if (funcToken === 'throws') funcToken = tokens[lastArrow - 2];
    } else {
      funcToken = tokens[tokens.length - 1];
    }
  }

  if (funcToken) {
    if (funcToken.startsWith('@') && (platform === 'cocoa' || platform === 'swift')) {
      funcToken = `${isThunk ? 'thunk for ' : ''}closure`;
    } else if (tokens.includes('closure') && funcToken !== 'closure') {
      funcToken = `closure in ${funcToken}`;
    }
    f = funcToken
      .replaceAll('⟨', '<')
      .replaceAll('◯', '()')
      .replaceAll('⟿', '->')
      .replaceAll('〔anonymousnamespace〕', "`anonymous namespace'");
  } else {
    f = original;
  }

  if (f.includes('::h')) f = f.replace(RUST_HASH, '');
  if (f.includes('@GLIBC_')) f = f.replace(GNU_VERSION, '');
  return f.includes('@') ? f.replace(WINDECL_HASH, '$1') : f;
}

/** Recent native trims (symbols repeat endlessly and demangled names are costly to take apart). */
const trimmedNativeNames = new BoundedTupleCache<string>(2, 5_000);

/**
 * Sentry's `trim_function_name`: C# drops the argument list, native platforms isolate the
 * function name from a demangled signature, every other platform keeps the name as it is.
 */
export function trimFunctionName(fn: string, platform: string | undefined): string {
  if (platform === 'csharp') return fn.split(' (')[0] as string;
  if (platformFamily(platform) === 'native') {
    return trimmedNativeNames.get([platform, fn], () => trimNativeFunctionName(fn, platform));
  }
  return fn;
}

/** The function fields of a frame that {@link functionNameForFrame} reads. */
export interface FunctionFields {
  function?: string | undefined;
  raw_function?: string | undefined;
  platform?: string | undefined;
}

/**
 * Sentry's `get_function_name_for_frame`: the client's name when a raw name is present (already
 * trimmed), otherwise the trimmed name; `undefined` when the frame has no function.
 */
export function functionNameForFrame(
  frame: FunctionFields,
  eventPlatform: string | undefined,
): string | undefined {
  if (frame.raw_function) return frame.function;
  if (!frame.function) return undefined;
  return trimFunctionName(frame.function, frame.platform ?? eventPlatform);
}
