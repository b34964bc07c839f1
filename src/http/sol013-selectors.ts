// Attribute selectors (ETSI GS NFV-SOL 013 §5.3) of a list answer:
//
//   (none)                     = exclude_default
//   all_fields                 every attribute
//   fields=a,b/c               the simple attributes, the mandatory ones, and the listed complex ones
//   fields=…&exclude_default   every attribute but the default exclusions, plus the listed ones
//   exclude_fields=a,b/c       every attribute but the listed complex ones
//   exclude_default            every attribute but the resource's default exclusions
//
// Other combinations are a 400, as is a name that is not a complex attribute of the resource
// with a lower cardinality bound of 0 (only those may be left out). Names are paths, `/`
// between a parent and its child, arrays looked through. The default exclusions are the
// resource's, as its API specification lists them (SOL003 §5.4.2.3.2, §5.4.12.3.2; SOL005 §9.4.2.3.2).
import { z } from 'zod';
import { HttpProblem } from './problem.ts';
import { attributeAt } from './sol013-attributes.ts';

/** The selector parameters of a list query (each a flag or a comma-separated list of paths). */
export const SelectorQuery = z.object({
  all_fields: z.string().describe('SOL013 §5.3: every attribute, the default exclusions included (a flag: give it without a value)').optional(),
  fields: z.string().describe('SOL013 §5.3: complex attributes to include, comma separated, "/" between parent and child').optional(),
  exclude_fields: z.string().describe('SOL013 §5.3: complex attributes to leave out, comma separated').optional(),
  exclude_default: z.string().describe('SOL013 §5.3: leave out the default exclusions (the default when no selector is given; a flag)').optional(),
});
export type SelectorQuery = z.infer<typeof SelectorQuery>;

export const SELECTOR_PARAMETERS = ['all_fields', 'fields', 'exclude_fields', 'exclude_default'] as const;

/** A tree of paths: each name to the names below it that were given (empty: the whole attribute). */
type PathTree = Map<string, PathTree>;

export interface ResourceModel {
  schema: z.ZodType;
  /** Its name in error details, e.g. VnfInstance. */
  name: string;
  /** Complex attributes a list leaves out unless asked for. */
  defaultExcluded: readonly string[];
}

export class AttributeSelector {
  private constructor(
    private readonly model: ResourceModel,
    /** Attributes to leave out (exclude modes), or to keep besides the simple and mandatory ones (fields mode). */
    private readonly mode: 'all' | 'exclude' | 'fields',
    private readonly tree: PathTree,
    /** Exclude mode with fields: default exclusions of which only the named children are kept. */
    private readonly narrowed: PathTree = new Map(),
  ) {}

  /** The selection the query asks for (the default exclusion when it asks for none); 400 when it is not a valid one. */
  static parse(query: SelectorQuery, model: ResourceModel): AttributeSelector {
    const given = SELECTOR_PARAMETERS.filter((name) => query[name] !== undefined);
    const fields = paths(query.fields, 'fields', model);
    const excluded = paths(query.exclude_fields, 'exclude_fields', model);
    const allowed = given.length <= 1 || (given.length === 2 && given.includes('fields') && given.includes('exclude_default'));
    if (!allowed) {
      throw new HttpProblem(400, `attribute selectors ${given.join(' and ')} cannot be combined; use one of all_fields, fields, exclude_fields, exclude_default, or fields with exclude_default`);
    }
    if (query.all_fields !== undefined) return new AttributeSelector(model, 'all', new Map());
    if (fields && query.exclude_default === undefined) return new AttributeSelector(model, 'fields', tree(fields));
    if (fields) {
      // The default exclusions, except what fields asks for: an attribute named whole is kept
      // whole, one with a child named is narrowed to that child (fields mode below it).
      const named = tree(fields);
      const excludedTree: PathTree = new Map();
      for (const name of model.defaultExcluded) if (!named.has(name)) excludedTree.set(name, new Map());
      const narrowed = new Map([...named].filter(([name, below]) => below.size > 0 && model.defaultExcluded.includes(name)));
      return new AttributeSelector(model, 'exclude', excludedTree, narrowed);
    }
    if (excluded) return new AttributeSelector(model, 'exclude', tree(excluded));
    return new AttributeSelector(model, 'exclude', tree(model.defaultExcluded.map((name) => [name])));
  }

  /** A copy of the object with the selection applied. */
  apply<T>(object: T): T {
    const copy = structuredClone(object);
    if (this.mode === 'all') return copy;
    if (this.mode === 'fields') keepOnly(copy, [], this.tree, this.model.schema);
    else {
      remove(copy, this.tree);
      for (const [name, below] of this.narrowed) {
        if (copy !== null && typeof copy === 'object' && name in copy) keepOnly((copy as Record<string, unknown>)[name], [name], below, this.model.schema);
      }
    }
    return copy;
  }
}

/** The paths of a selector parameter, each checked against the model. */
function paths(list: string | undefined, parameter: string, model: ResourceModel): string[][] | undefined {
  if (list === undefined) return undefined;
  const names = list.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new HttpProblem(400, `${parameter} ${JSON.stringify(list)} has an empty attribute name; give names separated by commas`);
  return names.map((name) => {
    const path = name.split('/');
    const attribute = attributeAt(model.schema, path);
    if (!attribute) throw new HttpProblem(400, `${parameter} names ${name}, which is not an attribute of ${model.name}`);
    if (attribute.kind !== 'object' && attribute.kind !== 'map' && attribute.kind !== 'array' && attribute.kind !== 'any') {
      throw new HttpProblem(400, `${parameter} names ${name}, a simple attribute of ${model.name}; only complex attributes can be selected`);
    }
    if (!attribute.optional) throw new HttpProblem(400, `${parameter} names ${name}, which ${model.name} always includes (it is mandatory)`);
    return path;
  });
}

function tree(list: readonly (readonly string[])[]): PathTree {
  const root: PathTree = new Map();
  for (const path of list) {
    let node = root;
    path.forEach((name, i) => {
      const existing = node.get(name);
      // A name given whole wins over children of it given too.
      if (existing && existing.size === 0) return;
      if (i === path.length - 1) {
        node.set(name, new Map());
        return;
      }
      const next = existing ?? new Map<string, PathTree>();
      node.set(name, next);
      node = next;
    });
  }
  return root;
}

/** Deletes the paths of the tree (in every element of arrays on the way). */
function remove(value: unknown, paths: PathTree): void {
  if (Array.isArray(value)) {
    for (const item of value) remove(item, paths);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const object = value as Record<string, unknown>;
  for (const [name, below] of paths) {
    if (!(name in object)) continue;
    if (below.size === 0) delete object[name];
    else remove(object[name], below);
  }
}

/**
 * Fields mode at one level: simple and mandatory attributes stay; an optional complex one stays
 * whole when named, narrowed when a child of it is named, and goes otherwise.
 */
function keepOnly(value: unknown, at: string[], named: PathTree, schema: z.ZodType): void {
  if (Array.isArray(value)) {
    for (const item of value) keepOnly(item, at, named, schema);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const object = value as Record<string, unknown>;
  for (const name of Object.keys(object)) {
    const path = [...at, name];
    const below = named.get(name);
    if (below && below.size === 0) continue;
    if (below) {
      keepOnly(object[name], path, below, schema);
      continue;
    }
    const attribute = attributeAt(schema, path);
    const complex = attribute && (attribute.kind === 'object' || attribute.kind === 'map' || attribute.kind === 'array');
    if (complex && attribute.optional) delete object[name];
  }
}
