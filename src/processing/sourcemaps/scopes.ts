/**
 * Function scopes of a minified JavaScript file and the names they get, for naming resolved
 * frames after their enclosing function rather than after the identifier at the error position.
 * Sentry's Symbolicator does this when it builds a source-map cache (`symbolic-sourcemapcache`,
 * scope extraction from `getsentry/js-source-scopes`): it parses the minified file, records the
 * byte range of every function, arrow, method and class, and names each from its own identifier
 * or, for anonymous ones, from where it is assigned (`var x = () => …` → `x`,
 * `a.b = function () {}` → `a.b`, `{ m() {} }` in `const o = …` → `o.m`, class methods
 * `Class.method`, getters `get Class.prop`, classes `new Class`). The names are made of
 * components; identifier components keep their position so that the source map can turn the
 * minified identifier back into the original name (see `source-map-view.ts`).
 *
 * Parsing uses acorn; a file it cannot parse has no scopes (every lookup answers `unknown`).
 */
import { parse, type Node as AcornNode } from 'acorn';

/** One part of a scope name: literal text, or an identifier at `offset` in the minified source. */
export interface NameComponent {
  text: string;
  /** UTF-16 offset of the identifier in the minified source; absent for punctuation and prefixes. */
  offset?: number;
}

/** A function-like range `[start, end)` of the minified source (UTF-16 offsets) and its name. */
export interface ScopeRange {
  start: number;
  end: number;
  /** `undefined` for an anonymous scope. */
  name: NameComponent[] | undefined;
}

/** A loosely typed ESTree node: only `type`, `start` and `end` are certain. */
type EsNode = AcornNode & Record<string, unknown>;

const PARSE_OPTIONS = {
  ecmaVersion: 'latest',
  allowHashBang: true,
  allowReturnOutsideFunction: true,
  allowAwaitOutsideFunction: true,
  allowImportExportEverywhere: true,
  allowSuperOutsideMethod: true,
  checkPrivateFields: false,
} as const;

/**
 * The scopes of `source`: parsed as a module, else as a script (sloppy-mode bundles); none if
 * it parses as neither. Order is not defined.
 */
export function extractScopes(source: string): ScopeRange[] {
  let program: EsNode;
  try {
    program = parse(source, { ...PARSE_OPTIONS, sourceType: 'module' }) as unknown as EsNode;
  } catch {
    try {
      program = parse(source, { ...PARSE_OPTIONS, sourceType: 'script' }) as unknown as EsNode;
    } catch {
      return [];
    }
  }
  return collectScopes(program);
}

function isNode(value: unknown): value is EsNode {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

/** Walks the tree without recursion (minified code nests deeply), keeping each node's ancestors. */
function collectScopes(program: EsNode): ScopeRange[] {
  const scopes: ScopeRange[] = [];
  const stack: Array<[EsNode, number]> = [[program, 0]];
  const ancestors: EsNode[] = [];
  const children: EsNode[] = [];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    ancestors.length = depth;
    const scope = scopeOf(node, ancestors);
    if (scope !== undefined) scopes.push(scope);
    ancestors.push(node);
    children.length = 0;
    for (const key in node) {
      if (key === 'type' || key === 'start' || key === 'end') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) children.push(item);
      } else if (isNode(value)) {
        children.push(value);
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i]!, depth + 1]);
  }
  return scopes;
}

function isMethodProperty(node: EsNode): boolean {
  return node.type === 'Property' && (node.method === true || node.kind === 'get' || node.kind === 'set');
}

/** The scope `node` opens, if any. */
function scopeOf(node: EsNode, ancestors: readonly EsNode[]): ScopeRange | undefined {
  const range = (name: NameComponent[] | undefined): ScopeRange => ({
    start: node.start,
    end: node.end,
    name,
  });
  switch (node.type) {
    case 'FunctionDeclaration':
    case 'FunctionExpression': {
      const parent = ancestors[ancestors.length - 1];
      // A method's function is named (and ranged) by its method node.
      if (parent !== undefined && (parent.type === 'MethodDefinition' || isMethodProperty(parent)))
        return undefined;
      return range(isNode(node.id) ? [identifier(node.id)] : inferName(ancestors));
    }
    case 'ArrowFunctionExpression':
      return range(inferName(ancestors));
    case 'ClassDeclaration':
    case 'ClassExpression': {
      const name = isNode(node.id) ? [identifier(node.id)] : inferName(ancestors);
      return range(name === undefined ? undefined : [{ text: 'new ' }, ...name]);
    }
    case 'MethodDefinition':
      // The constructor runs the class body (field initializers too): the class scope covers it.
      if (node.kind === 'constructor') return undefined;
      return range(methodName(node, ancestors));
    case 'Property':
      return isMethodProperty(node) ? range(methodName(node, ancestors)) : undefined;
    default:
      return undefined;
  }
}

function identifier(node: EsNode): NameComponent {
  return { text: String(node.name), offset: node.start };
}

/** The name components of a property key: identifiers, `#private`, else `<literal>` / `<computed property name>`. */
function keyComponents(owner: EsNode): NameComponent[] {
  const key = owner.key;
  if (!isNode(key) || owner.computed === true) return [{ text: '<computed property name>' }];
  if (key.type === 'Identifier') return [identifier(key)];
  if (key.type === 'PrivateIdentifier')
    return [{ text: '#' }, { text: String(key.name), offset: key.start + 1 }];
  if (key.type === 'Literal' && typeof key.raw === 'string') return [{ text: `<${key.raw}>` }];
  return [{ text: '<computed property name>' }];
}

/** `Owner.method`, with `get ` / `set ` in front of accessors; anonymous when the owner has no name. */
function methodName(node: EsNode, ancestors: readonly EsNode[]): NameComponent[] | undefined {
  const name = inferName(ancestors, keyComponents(node));
  if (name === undefined) return undefined;
  if (node.kind === 'get' || node.kind === 'set') name.unshift({ text: `${String(node.kind)} ` });
  return name;
}

/**
 * Infers a name from the nearest ancestors (innermost first), prepending to `components`:
 * object-literal keys and class fields add a component and go on; a named class, a variable
 * declarator or an assignment target ends the name; another function scope means no name.
 */
function inferName(
  ancestors: readonly EsNode[],
  components: NameComponent[] = [],
): NameComponent[] | undefined {
  const prepend = (parts: NameComponent[]): void => {
    if (components.length > 0) components.unshift({ text: '.' });
    components.unshift(...parts);
  };
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const parent = ancestors[i]!;
    switch (parent.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'MethodDefinition':
        return undefined;
      case 'Property':
        if (isMethodProperty(parent)) return undefined;
        prepend(keyComponents(parent));
        break;
      case 'PropertyDefinition':
        prepend(keyComponents(parent));
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        if (isNode(parent.id)) {
          prepend([identifier(parent.id)]);
          return components;
        }
        break;
      case 'VariableDeclarator':
        if (isNode(parent.id) && parent.id.type === 'Identifier') {
          prepend([identifier(parent.id)]);
          return components;
        }
        break;
      case 'AssignmentExpression': {
        const target = isNode(parent.left) ? expressionName(parent.left) : undefined;
        if (target !== undefined) {
          prepend(target);
          return components;
        }
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}

/** The name of an identifier, `this` or a member chain of them (`a.b.c`; computed members are skipped). */
function expressionName(expression: EsNode): NameComponent[] | undefined {
  const components: NameComponent[] = [];
  let node = expression;
  for (;;) {
    if (node.type === 'Identifier') {
      components.unshift(identifier(node));
      return components;
    }
    if (node.type === 'ThisExpression') {
      components.unshift({ text: 'this' });
      return components;
    }
    if (node.type !== 'MemberExpression' || !isNode(node.object)) return undefined;
    const property = node.property;
    if (node.computed !== true && isNode(property)) {
      if (property.type === 'Identifier') components.unshift({ text: '.' }, identifier(property));
      else if (property.type === 'PrivateIdentifier')
        components.unshift({ text: '.#' }, { text: String(property.name), offset: property.start + 1 });
    }
    node = node.object;
  }
}

/** Index of the scope containing an offset, or one of these. */
export const GLOBAL_SCOPE = -1;
/** The scope exists but has no name. */
export const ANONYMOUS_SCOPE = -2;

/**
 * The innermost scope at each offset, as sorted boundaries (Symbolicator's `ScopeIndex`): at
 * `offsets[i]` the scope `ids[i]` begins (an index into the scope list, or
 * {@link GLOBAL_SCOPE}). Ranges from a parser are always well nested.
 */
export class ScopeIndex {
  private readonly offsets: number[] = [];
  private readonly ids: number[] = [];

  constructor(scopes: readonly ScopeRange[]) {
    const order = scopes.map((_, i) => i).sort((a, b) => scopes[a]!.start - scopes[b]!.start || a - b);
    if (order.length > 0 && scopes[order[0]!]!.start !== 0) this.push(0, GLOBAL_SCOPE);
    const stack: number[] = [];
    const parentOf = (): number => (stack.length > 0 ? stack[stack.length - 1]! : GLOBAL_SCOPE);
    for (const id of order) {
      const scope = scopes[id]!;
      // Close the scopes that ended before this one starts.
      while (stack.length > 0 && scopes[stack[stack.length - 1]!]!.end <= scope.start) {
        const closed = scopes[stack.pop()!]!;
        this.push(closed.end, parentOf());
      }
      this.push(scope.start, id);
      const top = stack[stack.length - 1];
      if (top !== undefined && scopes[top]!.end === scope.end) stack.pop();
      stack.push(id);
    }
    while (stack.length > 0) {
      const closed = scopes[stack.pop()!]!;
      this.push(closed.end, parentOf());
    }
  }

  private push(offset: number, id: number): void {
    this.offsets.push(offset);
    this.ids.push(id);
  }

  /** The innermost scope containing `offset`: a scope index or {@link GLOBAL_SCOPE}. */
  lookup(offset: number): number {
    const { offsets } = this;
    let lo = 0;
    let hi = offsets.length - 1;
    if (hi < 0) return GLOBAL_SCOPE;
    // Greatest boundary ≤ offset; before the first boundary, the first one (as Symbolicator).
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid]! <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return this.ids[found]!;
  }
}
