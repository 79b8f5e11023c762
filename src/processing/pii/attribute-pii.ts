/**
 * Which trace-item attributes hold personal data, as sentry-conventions says: the `pii` mark a
 * PII rule checks before it touches an attribute's value.
 *
 * Follows `relay-conventions/src/lib.rs` (`attribute_info`: the key split at `.`, each segment
 * matching the same segment of a known name or its `<key>` placeholder) and
 * `relay-event-schema/src/protocol/attributes.rs` (`attribute_pii_from_conventions`: an attribute
 * the conventions do not know is pii `true`, "as a precaution"). The conventions' `applyScrubbing`
 * values map onto Relay's `Pii`: `auto` → `true` (scrubbed by default and by any selector),
 * `manual` → `maybe` (only rules whose selector names the value), `never` → `false`.
 * The table is generated from @sentry/conventions (`scripts/gen-attribute-pii.mjs`).
 */
import { ATTRIBUTE_PII_TABLE } from './attribute-pii-table.js';
import type { PiiLevel } from './selectors.js';

/** An attribute's pii mark: Relay's `Pii::True`, `Pii::Maybe`, or `false` (never scrubbed). */
export type AttributePii = PiiLevel | false;

/** A node of the segment tree: the mark of the name ending here, and the next segments. */
interface Node {
  pii: AttributePii | undefined;
  children: Map<string, Node>;
  /** The child for a `<key>` placeholder segment. */
  placeholder: Node | undefined;
}

const LEVELS = { auto: 'true', manual: 'maybe', never: false } as const;

function newNode(): Node {
  return { pii: undefined, children: new Map(), placeholder: undefined };
}

function isPlaceholder(segment: string): boolean {
  return segment.startsWith('<') && segment.endsWith('>');
}

function buildTree(): Node {
  const root = newNode();
  for (const [name, level] of Object.entries(ATTRIBUTE_PII_TABLE)) {
    let node = root;
    for (const segment of name.split('.')) {
      let next = isPlaceholder(segment) ? node.placeholder : node.children.get(segment);
      if (!next) {
        next = newNode();
        if (isPlaceholder(segment)) node.placeholder = next;
        else node.children.set(segment, next);
      }
      node = next;
    }
    node.pii = LEVELS[level];
  }
  return root;
}

const TREE = buildTree();

/** Marks looked up so far: attribute names repeat from item to item. */
const memo = new Map<string, AttributePii>();
/** Names kept before the memo is reset (they come from user data). */
const MEMO_LIMIT = 4096;

function lookup(key: string): AttributePii {
  let node: Node | undefined = TREE;
  for (const segment of key.split('.')) {
    node = node.children.get(segment) ?? node.placeholder;
    if (!node) return 'true';
  }
  return node.pii ?? 'true';
}

/**
 * The pii mark of attribute `key` (see the module comment). A segment prefers a known name over
 * the placeholder; like Relay, the walk does not backtrack. Never throws.
 */
export function attributePii(key: string): AttributePii {
  let pii = memo.get(key);
  if (pii === undefined) {
    pii = lookup(key);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, pii);
  }
  return pii;
}
