/**
 * The scrubbing schema (`schema.ts`) compiled once into the nodes the scrubber walks: struct
 * fields are looked up without `hasOwn` checks or per-value memo lookups, and structs with a
 * single walked field say so. Compiling does not change what is walked: known keys keep their
 * schema (never `other`), structs without fields and `other` are not walked, and list items
 * carry the value types of their struct.
 */
import type { Schema } from './schema.js';

/** A compiled schema node; mirrors {@link Schema}. */
export type WalkNode =
  | { kind: 'bag'; pairs: boolean }
  | StructNode
  | { kind: 'values'; item: WalkChild }
  | { kind: 'list'; item: WalkChild }
  | { kind: 'contexts' };

/** A node plus the value types (`frame`, `http`, …) its path segment gets. */
export interface WalkChild {
  node: WalkNode;
  types: readonly string[];
}

/**
 * A compiled struct. Every known key maps to its child, or `null` when that child is never
 * walked: small structs keep parallel arrays (`names`, `children`), as comparing a few
 * interned keys beats a map lookup; big ones (the event) a map. `only` is set when the struct
 * has exactly one walked field and no walked `other`, so the walk can read that one key
 * instead of visiting all of the value's keys.
 */
export interface StructNode {
  kind: 'struct';
  /** False for structs without walked fields and `other`, which the walk skips entirely. */
  walkable: boolean;
  names: readonly string[];
  children: readonly (WalkChild | null)[];
  byName: ReadonlyMap<string, WalkChild | null> | undefined;
  /** The child for unknown keys; `undefined` when they are not walked. */
  other: WalkChild | undefined;
  only: { key: string; child: WalkChild } | undefined;
}

/** Structs with more known keys than this look them up in a map. */
const LINEAR_LOOKUP_LIMIT = 8;

const NO_TYPES: readonly string[] = [];

const compiled = new WeakMap<Schema, WalkNode>();

/** The value types a schema node gives its path segment. */
function typesOf(schema: Schema): readonly string[] {
  if (schema.kind === 'struct') return schema.types;
  return schema.kind === 'bag' ? (schema.types ?? NO_TYPES) : NO_TYPES;
}

/**
 * A child for `schema`, or `undefined` when nothing below it is walked: `pii = "maybe"` bags
 * (only the advanced PII config looks at them) and structs without walked fields.
 */
function toChild(schema: Schema | undefined): WalkChild | undefined {
  if (!schema || (schema.kind === 'bag' && schema.pii === 'maybe')) return undefined;
  const node = compileSchema(schema);
  if (node.kind === 'struct' && !node.walkable) return undefined;
  return { node, types: typesOf(schema) };
}

function compileStruct(schema: Extract<Schema, { kind: 'struct' }>): StructNode {
  const names = Object.keys(schema.fields);
  const children = names.map((key) => toChild(schema.fields[key]) ?? null);
  const walked: { key: string; child: WalkChild }[] = [];
  names.forEach((key, i) => {
    const child = children[i];
    if (child) walked.push({ key, child });
  });
  const other = toChild(schema.other);
  return {
    kind: 'struct',
    walkable: walked.length > 0 || other !== undefined,
    names,
    children,
    byName:
      names.length > LINEAR_LOOKUP_LIMIT
        ? new Map(names.map((key, i) => [key, children[i] ?? null]))
        : undefined,
    other,
    only: walked.length === 1 && !other ? walked[0] : undefined,
  };
}

function compileItem(item: Schema): WalkChild {
  return { node: compileSchema(item), types: typesOf(item) };
}

function build(schema: Schema): WalkNode {
  switch (schema.kind) {
    case 'bag':
      return { kind: 'bag', pairs: schema.pairs === true };
    case 'struct':
      return compileStruct(schema);
    case 'values':
    case 'list':
      return { kind: schema.kind, item: compileItem(schema.item) };
    case 'contexts':
      return { kind: 'contexts' };
  }
}

/** Compiles `schema` (memoized: schemas are static and shared). */
export function compileSchema(schema: Schema): WalkNode {
  let node = compiled.get(schema);
  if (!node) {
    node = build(schema);
    compiled.set(schema, node);
  }
  return node;
}

/** The child for `key` in `struct`: a known field's (`null` if not walked), else `undefined`. */
export function knownChild(struct: StructNode, key: string): WalkChild | null | undefined {
  if (struct.byName) return struct.byName.get(key);
  const { names } = struct;
  for (let i = 0; i < names.length; i++) if (names[i] === key) return struct.children[i] ?? null;
  return undefined;
}
