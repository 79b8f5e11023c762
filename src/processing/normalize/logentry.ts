/**
 * `logentry` normalization: folds the legacy `message` into `logentry` and builds
 * `logentry.formatted` from `message` + `params`.
 *
 * Follows `relay-event-normalization/src/logentry.rs` (Python `%` formatting when the message
 * contains `%`, `{}`-style when it contains `{`, as the `dynfmt` crate does) and the
 * `LogEntry` legacy aliases in `relay-event-schema/src/protocol/logentry.rs`.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import type { EventMeta } from './meta.js';

/** Thrown internally when a format string cannot be applied; never escapes this module. */
class FormatError extends Error {}

/** `%s`-style display of a parameter: strings as-is, numbers and booleans printed. */
function display(value: JsonValue | undefined): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new FormatError();
}

/** Debug (`%r`) display: strings quoted, other primitives printed. */
function debugDisplay(value: JsonValue | undefined): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return display(value);
}

function toNumber(value: JsonValue | undefined): number {
  if (typeof value === 'number') return value;
  throw new FormatError();
}

function pad(text: string, flags: string, width: number | undefined): string {
  if (width === undefined || text.length >= width) return text;
  if (flags.includes('-')) return text.padEnd(width);
  if (flags.includes('0') && /^[+-]?[0-9]/.test(text)) {
    const sign = /^[+-]/.test(text) ? text.slice(0, 1) : '';
    return sign + text.slice(sign.length).padStart(width - sign.length, '0');
  }
  return text.padStart(width);
}

function withSign(text: string, value: number, flags: string): string {
  if (value >= 0 && flags.includes('+')) return `+${text}`;
  if (value >= 0 && flags.includes(' ')) return ` ${text}`;
  return text;
}

const PERCENT_SPEC = /%(?:\(([^)]*)\))?([#0\- +]*)(\d+|\*)?(?:\.(\d+|\*))?[hlL]?([diouxXeEfFgGcrsa%])/g;

/**
 * Python `%` formatting (`dynfmt::PythonFormat`): `%s %d %i %f %x %o %e %g %c %r %%` with
 * `%(name)s` keys, flags, width and precision. `params` is an array (positional) or object
 * (named). Returns `undefined` when the format does not fit the parameters.
 */
export function formatPython(format: string, params: JsonValue): string | undefined {
  let position = 0;
  const next = (name: string | undefined): JsonValue | undefined => {
    if (name !== undefined) {
      if (!isJsonObject(params)) throw new FormatError();
      const value = params[name];
      if (value === undefined) throw new FormatError();
      return value;
    }
    if (!Array.isArray(params) || position >= params.length) throw new FormatError();
    return params[position++];
  };
  try {
    return format.replace(
      PERCENT_SPEC,
      (
        _match,
        name: string | undefined,
        flags: string,
        width: string | undefined,
        prec: string | undefined,
        conv: string,
      ) => {
        if (conv === '%') return '%';
        const w = width === '*' ? toNumber(next(undefined)) : width === undefined ? undefined : Number(width);
        const p = prec === '*' ? toNumber(next(undefined)) : prec === undefined ? undefined : Number(prec);
        const value = next(name);
        let text: string;
        switch (conv) {
          case 's':
            text = display(value);
            if (p !== undefined) text = text.slice(0, p);
            break;
          case 'r':
          case 'a':
            text = debugDisplay(value);
            break;
          case 'd':
          case 'i':
          case 'u': {
            const n = Math.trunc(toNumber(value));
            text = withSign(String(n), n, flags);
            break;
          }
          case 'x':
          case 'X':
          case 'o': {
            const n = Math.trunc(toNumber(value));
            const radix = conv === 'o' ? 8 : 16;
            let digits = Math.abs(n).toString(radix);
            if (conv === 'X') digits = digits.toUpperCase();
            if (flags.includes('#')) digits = (conv === 'o' ? '0o' : conv === 'x' ? '0x' : '0X') + digits;
            text = withSign(n < 0 ? `-${digits}` : digits, n, flags);
            break;
          }
          case 'f':
          case 'F': {
            const n = toNumber(value);
            text = withSign(n.toFixed(p ?? 6), n, flags);
            break;
          }
          case 'e':
          case 'E': {
            const n = toNumber(value);
            text = n.toExponential(p ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
            if (conv === 'E') text = text.toUpperCase();
            text = withSign(text, n, flags);
            break;
          }
          case 'g':
          case 'G': {
            const n = toNumber(value);
            text = String(Number(n.toPrecision(p === 0 ? 1 : (p ?? 6))));
            if (conv === 'G') text = text.toUpperCase();
            text = withSign(text, n, flags);
            break;
          }
          case 'c':
            text = typeof value === 'number' ? String.fromCodePoint(value) : display(value).slice(0, 1);
            break;
          default:
            throw new FormatError();
        }
        return pad(text, flags, w);
      },
    );
  } catch (error) {
    if (error instanceof FormatError || error instanceof RangeError) return undefined;
    throw error;
  }
}

const CURLY_SPEC = /\{\{|\}\}|\{([^{}]*)\}/g;

/**
 * `{}`-style formatting (`dynfmt::SimpleCurlyFormat`): `{}` takes the next positional
 * parameter, `{0}` an index, `{name}` a key; `{{`/`}}` are literal braces. Returns `undefined`
 * when a placeholder has no matching parameter.
 */
export function formatCurly(format: string, params: JsonValue): string | undefined {
  let position = 0;
  try {
    return format.replace(CURLY_SPEC, (match, spec: string | undefined) => {
      if (match === '{{') return '{';
      if (match === '}}') return '}';
      const key = (spec ?? '').split(':')[0] ?? '';
      if (key === '') {
        if (!Array.isArray(params) || position >= params.length) throw new FormatError();
        return display(params[position++]);
      }
      if (/^\d+$/.test(key)) {
        if (!Array.isArray(params)) throw new FormatError();
        return display(params[Number(key)]);
      }
      if (!isJsonObject(params)) throw new FormatError();
      return display(params[key]);
    });
  } catch (error) {
    if (error instanceof FormatError) return undefined;
    throw error;
  }
}

/** Relay's `format_message`: `%` wins over `{`; neither → no formatting. */
export function formatMessage(format: string, params: JsonValue): string | undefined {
  if (format.includes('%')) return formatPython(format, params);
  if (format.includes('{')) return formatCurly(format, params);
  return undefined;
}

/**
 * Moves the legacy `message` / `sentry.interfaces.Message` into `logentry` (a string becomes
 * `{formatted}`; `logentry` wins when both are present), then normalizes `logentry` in place:
 * non-string `message`/`formatted` are invalid; `formatted` is built from `message` + `params`
 * when missing; a `formatted` equal to `message` (or missing) takes `message`'s place.
 * A logentry without any message is removed with `invalid_data` "no message present".
 */
export function normalizeLogEntry(event: JsonObject, meta: EventMeta): void {
  const legacy = event.message ?? event['sentry.interfaces.Message'];
  delete event.message;
  delete event['sentry.interfaces.Message'];
  if (event.logentry === undefined || event.logentry === null) {
    if (typeof legacy === 'string') event.logentry = { formatted: legacy };
    else if (legacy !== undefined && legacy !== null) event.logentry = legacy;
  }

  const entry = event.logentry;
  if (entry === undefined) return;
  if (entry === null) {
    delete event.logentry;
    return;
  }
  if (!isJsonObject(entry)) {
    delete event.logentry;
    meta.addInvalid(['logentry'], 'expected a logentry', entry);
    return;
  }
  if (Object.keys(entry).length === 0) {
    delete event.logentry;
    return;
  }

  const original: JsonObject = { ...entry };
  for (const key of ['message', 'formatted'] as const) {
    const value = entry[key];
    if (value === null) delete entry[key];
    else if (value !== undefined && typeof value !== 'string') {
      delete entry[key];
      meta.addInvalid(['logentry', key], 'expected a string', value);
    }
  }

  const message = entry.message as string | undefined;
  let formatted = entry.formatted as string | undefined;
  if (message === undefined && formatted === undefined) {
    delete event.logentry;
    meta.addInvalid(['logentry'], 'no message present', original);
    return;
  }

  const params = entry.params;
  if (params !== undefined && params !== null && formatted === undefined && message !== undefined) {
    const result = formatMessage(message, params);
    if (result !== undefined) {
      formatted = result;
      entry.formatted = result;
    }
  }

  if (formatted === undefined || formatted === message) {
    entry.formatted = message;
    delete entry.message;
  }
}
