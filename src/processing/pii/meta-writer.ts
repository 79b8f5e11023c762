/**
 * Copy-on-write `_meta` for one scrub pass: the event's original `_meta` tree is only cloned
 * when the first remark is written, and the current path (object keys and array indexes, as
 * `_meta` mirrors the event) is kept by the walk. Remarks follow Relay's shape
 * (`relay-protocol/src/meta.rs`): `{"": {"rem": [[rule, type, start, end]], "len": n}}`.
 */
import { getOwn, isJsonObject, setOwn, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { EventMeta, charLength } from '../normalize/index.js';
import { joinChunks, type Chunk } from './redact.js';

/** The `_meta` tree of one scrub pass. */
export class MetaWriter {
  /** The `_meta` path of the value being scrubbed; the walk pushes and pops it. */
  readonly path: (string | number)[] = [];
  /** Counts writes, so callers can tell whether processing a value changed anything. */
  writes = 0;
  private holder: JsonObject | undefined;
  private meta: EventMeta | undefined;
  private readonly originalMeta: EventMeta;

  constructor(private readonly originalMetaValue: JsonValue | undefined) {
    this.originalMeta = new EventMeta({ _meta: isJsonObject(originalMetaValue) ? originalMetaValue : {} });
  }

  /** The `_meta` tree to return: the original one when nothing was written. */
  result(): JsonValue | undefined {
    return this.holder ? this.holder._meta : this.originalMetaValue;
  }

  /** The writable tree (cloned from the original on first use). */
  writable(): EventMeta {
    if (!this.meta) {
      const clone: JsonObject = isJsonObject(this.originalMetaValue)
        ? structuredClone(this.originalMetaValue)
        : {};
      this.holder = { _meta: clone };
      this.meta = new EventMeta(this.holder);
    }
    this.writes++;
    return this.meta;
  }

  /** The existing node (the `""` entry) at the current path, if any. */
  existing(): JsonObject | undefined {
    if (!this.meta && !isJsonObject(this.originalMetaValue)) return undefined;
    return (this.meta ?? this.originalMeta).peek(this.path);
  }

  /** True when the tree has a node at or below the current path. */
  hasBelow(): boolean {
    let tree: JsonValue | undefined = this.result();
    for (const segment of this.path) {
      if (!isJsonObject(tree)) return false;
      tree = getOwn(tree, String(segment));
    }
    return isJsonObject(tree);
  }

  /** Records that `rule` removed the value at the current path (remark `x`, no range). */
  remarkRemoved(rule: string): null {
    this.writable().addRemark(this.path, [rule, 'x']);
    return null;
  }

  /**
   * Writes the remarks of changed chunks at the current path (replacing earlier ones, which
   * the chunks carry) and `len` (the original length, unless already recorded); returns the new
   * string, or `value` itself when the chunks did not change it.
   */
  commitChunks(value: string, original: readonly Chunk[], chunks: readonly Chunk[]): string {
    if (chunks === original) return value;
    const joined = joinChunks(chunks);
    if (joined.value === value) return value;
    const node = this.writable().node(this.path);
    node.rem = joined.remarks;
    if (node.len === undefined) node.len = charLength(value);
    return joined.value;
  }

  /** Moves the `_meta` subtree of child `from` of the current path to child `to`. */
  moveChild(from: string, to: string): void {
    const parent = (tree: JsonValue | undefined): JsonObject | undefined => {
      for (const segment of this.path) {
        if (!isJsonObject(tree)) return undefined;
        tree = getOwn(tree, String(segment));
      }
      return isJsonObject(tree) ? tree : undefined;
    };
    const before = parent(this.result());
    if (!before || getOwn(before, from) === undefined) return;
    this.writable();
    const target = parent(this.result());
    const moved = target && getOwn(target, from);
    if (!target || moved === undefined) return;
    setOwn(target, to, moved);
    delete target[from];
  }
}
