/**
 * Grouping components: the tree a grouping strategy builds from an event. Leaves are strings
 * (or numbers); a component "contributes" when it should feed the hash. The hash of a tree is
 * the MD5 of the concatenated UTF-8 leaf values of every contributing component reached through
 * contributing parents, in tree order, with no separator.
 *
 * Follows `sentry: src/sentry/grouping/component.py` (`BaseGroupingComponent`: `update`,
 * `iter_values`, `get_hash`) and `src/sentry/grouping/utils.py` (`hash_from_values`);
 * reference/sentry-semantics.md §3.2.
 */
import { createHash } from 'node:crypto';

/** A leaf value of a component: strings, or numbers (e.g. an NSError code). */
export type ComponentLeaf = string | number;

/** A node of a grouping component tree, as exposed to callers (read-only view). */
export interface GroupingComponent {
  /** Component kind: `app`, `exception`, `stacktrace`, `frame`, `function`, `message`, ... */
  readonly id: string;
  /** Whether this node feeds the hash (only if all its ancestors do as well). */
  readonly contributes: boolean;
  /** Why the node was changed or ignored, as Sentry words it; `null` when there is nothing to say. */
  readonly hint: string | null;
  /** Child components and leaf values, in hash order. */
  readonly values: readonly (GroupingComponent | ComponentLeaf)[];
}

/** Options for {@link Component} construction and {@link Component.update}. */
export interface ComponentUpdate {
  values?: (Component | ComponentLeaf)[];
  contributes?: boolean;
  hint?: string | null;
}

/**
 * Mutable grouping component used while building the tree. `contributes` defaults to "any value
 * is a leaf or a contributing child" whenever values are (re)set without an explicit flag.
 */
export class Component implements GroupingComponent {
  readonly id: string;
  contributes = false;
  hint: string | null = null;
  values: (Component | ComponentLeaf)[] = [];
  /** Frames only: whether the frame is in-app (after stack trace rules). */
  inApp: boolean | undefined;

  constructor(id: string, init: ComponentUpdate = {}) {
    this.id = id;
    this.update(init);
  }

  /** Updates values / flag / hint in place, recomputing `contributes` like Sentry does. */
  update(change: ComponentUpdate): this {
    if (change.hint !== undefined && change.hint !== null) this.hint = change.hint;
    let contributes = change.contributes;
    if (change.values !== undefined) {
      if (contributes === undefined) {
        contributes = change.values.some((value) => !(value instanceof Component) || value.contributes);
      }
      this.values = change.values;
    }
    if (contributes !== undefined) this.contributes = contributes;
    return this;
  }

  /** Leaf values of all contributing descendants, in order (empty when not contributing). */
  *iterValues(): Generator<ComponentLeaf> {
    if (!this.contributes) return;
    for (const value of this.values) {
      if (value instanceof Component) yield* value.iterValues();
      else yield value;
    }
  }

  /** MD5 over the contributing leaf values, or `null` when the component does not contribute. */
  getHash(): string | null {
    return this.contributes ? hashFromValues(this.iterValues()) : null;
  }

  /** Child components (not leaves) with the given id, optionally recursively / contributing only. */
  *iterSubcomponents(id: string, recursive: boolean, onlyContributing: boolean): Generator<Component> {
    for (const value of this.values) {
      if (!(value instanceof Component)) continue;
      if (onlyContributing && !value.contributes) continue;
      if (value.id === id) yield value;
      if (recursive) yield* value.iterSubcomponents(id, true, onlyContributing);
    }
  }

  /** A stable text form of the whole subtree, used to compare components for equality. */
  fingerprintKey(): string {
    return JSON.stringify(this.toPlain());
  }

  /** Plain-object copy of the subtree (what callers get in a variant). */
  toPlain(): GroupingComponent {
    return {
      id: this.id,
      contributes: this.contributes,
      hint: this.hint,
      values: this.values.map((value) => (value instanceof Component ? value.toPlain() : value)),
    };
  }
}

/**
 * Sentry's `hash_from_values`: MD5 (hex) of the UTF-8 bytes of each value, concatenated.
 * Numbers are hashed as their decimal text. `hashFromValues([])` is the fallback hash
 * `d41d8cd98f00b204e9800998ecf8427e`.
 */
export function hashFromValues(values: Iterable<ComponentLeaf>): string {
  const md5 = createHash('md5');
  for (const value of values) md5.update(typeof value === 'number' ? String(value) : value, 'utf8');
  return md5.digest('hex');
}
