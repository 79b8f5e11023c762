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
import { hash } from 'node:crypto';

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
  /** Set by {@link seal}: the children's leaf text, valid while `values` is this very list. */
  private sealedText: { values: readonly (Component | ComponentLeaf)[]; text: string } | undefined;

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

  /**
   * A copy of this node sharing its `values` list and child components: for trees whose children
   * are final, when only this node will still be changed. (`values` lists are never changed in
   * place; {@link update} replaces them.)
   */
  shallowCopy(): Component {
    const copy = new Component(this.id);
    copy.contributes = this.contributes;
    copy.hint = this.hint;
    copy.values = this.values;
    copy.inApp = this.inApp;
    copy.sealedText = this.sealedText;
    return copy;
  }

  /**
   * Declares the subtree final (neither this node's `values` nor any descendant will change
   * again), so the leaf text of the children is computed once; {@link shallowCopy} copies keep it
   * for as long as their `values` list is the same.
   */
  seal(): this {
    this.sealedText = { values: this.values, text: this.childrenText() };
    return this;
  }

  /** The leaf values of all contributing descendants, concatenated ('' when not contributing). */
  leafText(): string {
    if (!this.contributes) return '';
    const sealed = this.sealedText;
    return sealed !== undefined && sealed.values === this.values ? sealed.text : this.childrenText();
  }

  private childrenText(): string {
    let text = '';
    for (const value of this.values) {
      text +=
        value instanceof Component ? value.leafText() : typeof value === 'number' ? String(value) : value;
    }
    return text;
  }

  /** MD5 over the contributing leaf values, or `null` when the component does not contribute. */
  getHash(): string | null {
    return this.contributes ? hashFromValues([this.leafText()]) : null;
  }

  /** Whether a descendant component with the given id contributes (through contributing parents). */
  hasContributingSubcomponent(id: string): boolean {
    for (const value of this.values) {
      if (!(value instanceof Component) || !value.contributes) continue;
      if (value.id === id || value.hasContributingSubcomponent(id)) return true;
    }
    return false;
  }

  /** A stable text form of the whole subtree, used to compare components for equality. */
  fingerprintKey(): string {
    return JSON.stringify(this.toPlain());
  }

  /** Plain-object copy of the subtree (what callers get in a variant). */
  toPlain(): GroupingComponent {
    // A plain loop: this runs for every node of every result, often before the JIT kicks in.
    const values: (GroupingComponent | ComponentLeaf)[] = [];
    for (const value of this.values) values.push(value instanceof Component ? value.toPlain() : value);
    return { id: this.id, contributes: this.contributes, hint: this.hint, values };
  }
}

/** The last few hashed texts and their hashes (a tiny ring buffer, replaced in turn). */
const recentHashes: [string, string][] = Array.from({ length: 4 }, () => ['', hash('md5', '', 'hex')]);
let nextSlot = 0;

/**
 * Sentry's `hash_from_values`: MD5 (hex) of the UTF-8 bytes of each value, concatenated.
 * Numbers are hashed as their decimal text. `hashFromValues([])` is the fallback hash
 * `d41d8cd98f00b204e9800998ecf8427e`.
 */
export function hashFromValues(values: Iterable<ComponentLeaf>): string {
  // One update over the concatenation hashes exactly like one update per value.
  let text = '';
  for (const value of values) text += typeof value === 'number' ? String(value) : value;
  // Grouping hashes the same text twice per variant (strategy level, then root level).
  for (const [memoText, memoHash] of recentHashes) if (memoText === text) return memoHash;
  const digest = hash('md5', text, 'hex');
  recentHashes[nextSlot] = [text, digest];
  nextSlot = (nextSlot + 1) % recentHashes.length;
  return digest;
}
