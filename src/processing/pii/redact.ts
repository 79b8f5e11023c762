/**
 * Applying rules to one value, with Relay's chunk model: a string is a list of text chunks and
 * redaction chunks; earlier redactions (including `!limit` from trimming) are never matched
 * again, and the remarks in `_meta` are recomputed from the chunks.
 *
 * Follows `relay-pii/src/processor.rs` (`apply_rule_to_value`, `apply_regex_to_chunks`,
 * `insert_replacement_chunks`) and `relay-event-schema` `process_chunked_value`.
 */
import { createHmac } from 'node:crypto';
import type { JsonValue } from '../../protocol/json.js';
import type { Remark } from '../normalize/index.js';
import type { Pattern, ReplaceBehavior } from './patterns.js';
import type { Rule } from './rules.js';

/** String values the scrubber never looks at (Relay's `process_string`). */
export const SKIPPED_STRINGS: ReadonlySet<string> = new Set(['', 'true', 'false', 'null', 'undefined']);

/** A `[key, value]` pair as pair lists hold them; its value is scrubbed under its key. */
export function isPair(value: JsonValue): value is [string, JsonValue] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && value[1] !== undefined;
}

/** A piece of a string value: plain text, or a redaction with its rule and remark type. */
export type Chunk =
  { text: string; rule?: undefined; type?: undefined } | { text: string; rule: string; type: string };

/** Splits `value` into chunks along existing remark ranges (character offsets). */
export function splitChunks(value: string, remarks: readonly unknown[] | undefined): Chunk[] {
  const ranges: [string, string, number, number][] = [];
  for (const remark of remarks ?? []) {
    if (
      Array.isArray(remark) &&
      remark.length >= 4 &&
      typeof remark[0] === 'string' &&
      typeof remark[1] === 'string' &&
      typeof remark[2] === 'number' &&
      typeof remark[3] === 'number'
    ) {
      ranges.push([remark[0], remark[1], remark[2], remark[3]]);
    }
  }
  if (ranges.length === 0) return [{ text: value }];
  ranges.sort((a, b) => a[2] - b[2]);
  const chars = Array.from(value);
  const chunks: Chunk[] = [];
  let pos = 0;
  for (const [rule, type, start, end] of ranges) {
    if (start < pos || end > chars.length || end < start) return [{ text: value }];
    if (start > pos) chunks.push({ text: chars.slice(pos, start).join('') });
    chunks.push({ text: chars.slice(start, end).join(''), rule, type });
    pos = end;
  }
  if (pos < chars.length) chunks.push({ text: chars.slice(pos).join('') });
  return chunks;
}

/** Joins chunks into the new string and its remarks (ranges in characters of the result). */
export function joinChunks(chunks: readonly Chunk[]): { value: string; remarks: Remark[] } {
  let value = '';
  let pos = 0;
  const remarks: Remark[] = [];
  for (const chunk of chunks) {
    const length = Array.from(chunk.text).length;
    if (chunk.rule !== undefined) remarks.push([chunk.rule, chunk.type, pos, pos + length]);
    value += chunk.text;
    pos += length;
  }
  return { value, remarks };
}

/**
 * Relay's `hash_value`: the uppercase hex HMAC-SHA1 of the UTF-8 text with an empty key (the
 * project's `vars.hashKey` is not used by current Relay either).
 */
export function hashText(text: string): string {
  return createHmac('sha1', '').update(text, 'utf8').digest('hex').toUpperCase();
}

/** The chunk that stands for `matched` once `rule` redacted it (`insert_replacement_chunks`). */
function replacementChunk(rule: Rule, matched: string): Chunk {
  const { redaction } = rule;
  switch (redaction.kind) {
    case 'remove':
      return { text: '', rule: rule.id, type: 'x' };
    case 'replace':
      return { text: redaction.text, rule: rule.id, type: 's' };
    case 'mask':
      return { text: '*'.repeat(Array.from(matched).length), rule: rule.id, type: 'm' };
    case 'hash':
      return { text: hashText(matched), rule: rule.id, type: 'p' };
  }
}

/**
 * Runs the pattern's regex over the text of `chunks` (redactions stand in as NUL characters)
 * and redacts the matches per `behavior`; the regex only runs when the pattern's hint matches
 * that same text. Empty matches right after a previous match are skipped, as in Rust's `regex`
 * crate. Returns the same array when nothing matched.
 */
function applyRegex(chunks: Chunk[], pattern: Pattern, behavior: ReplaceBehavior, rule: Rule): Chunk[] {
  let hasText = false;
  let search = '';
  for (const chunk of chunks) {
    if (chunk.rule === undefined) {
      hasText = true;
      search += chunk.text.includes('\0') ? chunk.text.replace(/\0/g, '') : chunk.text;
    } else search += '\0';
  }
  if (!hasText || (pattern.hint && !pattern.hint.test(search))) return chunks;

  const { regex } = pattern;
  regex.lastIndex = 0;
  let m = regex.exec(search);
  if (!m) return chunks;
  if (behavior.kind === 'value') return [replacementChunk(rule, search)];

  const redactions = chunks.filter((c) => c.rule !== undefined);
  let nextRedaction = 0;
  const out: Chunk[] = [];
  const pushText = (text: string): void => {
    if (text === '') return;
    const pieces = text.split('\0');
    pieces.forEach((piece, i) => {
      if (i > 0) {
        const redaction = redactions[nextRedaction++];
        if (redaction) out.push(redaction);
      }
      if (piece !== '') out.push({ text: piece });
    });
  };

  let pos = 0;
  let lastEnd = -1;
  while (m) {
    const indices = m.indices;
    if (m[0] === '' && m.index === lastEnd) {
      regex.lastIndex = m.index + 1;
    } else {
      for (const groupIndex of behavior.groups) {
        const range = indices?.[groupIndex];
        if (!range || range[0] < pos) continue;
        pushText(search.slice(pos, range[0]));
        out.push(replacementChunk(rule, search.slice(range[0], range[1])));
        pos = range[1];
      }
      lastEnd = m.index + m[0].length;
      if (m[0] === '') regex.lastIndex = m.index + 1;
    }
    if (regex.lastIndex > search.length) break;
    m = regex.exec(search);
  }
  pushText(search.slice(pos));
  return out;
}

/** What applying rules to a value decided. */
export type RuleOutcome =
  { kind: 'keep' } | { kind: 'remove'; rule: string } | { kind: 'chunks'; chunks: Chunk[] };

const KEEP: RuleOutcome = { kind: 'keep' };

/**
 * Applies `rule` to a string value (`chunks`) or, when `chunks` is `undefined`, to a number or
 * container (which can only be removed, by `anything` rules or key matches). `key` is the
 * value's key (undefined for array elements).
 */
export function applyRule(rule: Rule, key: string | undefined, chunks: Chunk[] | undefined): RuleOutcome {
  const redacts = rule.redaction.kind !== 'remove';
  if (rule.anything && (chunks === undefined || !redacts)) return { kind: 'remove', rule: rule.id };

  let current = chunks;
  for (const matcher of rule.matchers) {
    if (matcher.kind === 'value') {
      if (current === undefined) continue;
      current = applyRegex(current, matcher.pattern, matcher.behavior, rule);
      continue;
    }
    const keyMatches = key !== undefined && matcher.regex.test(key);
    if (keyMatches) {
      if (current === undefined || !redacts) return { kind: 'remove', rule: rule.id };
      current = wholeValue(current, rule);
    } else if (
      matcher.kind === 'keyValue' &&
      current !== undefined &&
      current.some((c) => c.rule === undefined)
    ) {
      // Relay replaces the whole value when the key pattern occurs in it.
      const only = current.length === 1 ? current[0] : undefined;
      const text = only ? only.text : current.map((c) => (c.rule === undefined ? c.text : '\0')).join('');
      if (matcher.regex.test(text)) {
        current = [replacementChunk(rule, searchText(current))];
      }
    }
  }
  if (current === undefined || current === chunks) return KEEP;
  return { kind: 'chunks', chunks: current };
}

/** Redacts a whole string value (Relay's `.*` with `replace_value`), unless nothing is left. */
function wholeValue(chunks: Chunk[], rule: Rule): Chunk[] {
  return chunks.some((c) => c.rule === undefined) ? [replacementChunk(rule, searchText(chunks))] : chunks;
}

/** The text Relay's regexes see: text chunks without NULs, each redaction as one NUL. */
function searchText(chunks: readonly Chunk[]): string {
  let search = '';
  for (const chunk of chunks) {
    if (chunk.rule === undefined)
      search += chunk.text.includes('\0') ? chunk.text.replace(/\0/g, '') : chunk.text;
    else search += '\0';
  }
  return search;
}
