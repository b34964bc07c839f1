// The attributes of a resource, as SOL013 filters (§5.2) and attribute selectors (§5.3) name
// them: a path of attribute names from the top of the returned object, `/` between a parent
// and its child; an array is looked through (a name after it is an attribute of its
// elements). The resource's own zod wire model is the one authority on which paths exist, so
// a filter or selector on an attribute the resource does not have is a 400 naming it.
import type { z } from 'zod';

/** What kind of value an attribute holds: simple ones are compared, complex ones are selected. */
export type AttributeKind = 'string' | 'number' | 'boolean' | 'object' | 'map' | 'array' | 'any';

export interface Attribute {
  kind: AttributeKind;
  /** For arrays: the kind of their elements. */
  elementKind?: AttributeKind;
  /** Lower cardinality bound 0: the attribute may be absent (only those may be left out by a selector). */
  optional: boolean;
}

/** SOL013 §5.2.2: `@key` stands for the keys of a map. */
export const KEY_SEGMENT = '@key';

type Schema = z.core.$ZodType;

/**
 * The attribute at a path of the model, or undefined when the model has no such attribute.
 * Below a map (a KeyValuePairs or any record) every name is an attribute; `@key` names the
 * map's keys. Below an attribute of unknown shape (e.g. `operationParams` values) any path is.
 */
export function attributeAt(model: z.ZodType, path: readonly string[]): Attribute | undefined {
  let current: Schema = model;
  let optional = false;
  for (const segment of path) {
    const through = throughArrays(unwrap(current).schema);
    if (segment === KEY_SEGMENT) {
      const def = through._zod.def as { type: string };
      if (def.type !== 'record' && def.type !== 'object' && def.type !== 'unknown' && def.type !== 'any') return undefined;
      return { kind: 'string', optional: true };
    }
    const next = childOf(through, segment);
    if (next === undefined) return undefined;
    if (next === 'any') return { kind: 'any', optional: true };
    current = next;
    optional = unwrap(current).optional;
  }
  const { schema } = unwrap(current);
  const kind = kindOf(schema);
  return kind === 'array' ? { kind, elementKind: kindOf(unwrap((schema._zod.def as unknown as { element: Schema }).element).schema), optional } : { kind, optional };
}

/** A schema without its optional/default/nullable/pipe wrappers, and whether one made it optional. */
function unwrap(schema: Schema): { schema: Schema; optional: boolean } {
  let current = schema;
  let optional = false;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: Schema; in?: Schema; getter?: () => Schema };
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'prefault' || def.type === 'nullable') && def.innerType) {
      optional ||= def.type !== 'nullable';
      current = def.innerType;
    } else if ((def.type === 'readonly' || def.type === 'catch' || def.type === 'nonoptional') && def.innerType) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else if (def.type === 'lazy' && def.getter) {
      current = def.getter();
    } else {
      return { schema: current, optional };
    }
  }
}

/** An array's elements (arrays of arrays too): what a name after an array names an attribute of. */
function throughArrays(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; element?: Schema };
    if (def.type !== 'array' || !def.element) return current;
    current = unwrap(def.element).schema;
  }
}

function childOf(schema: Schema, name: string): Schema | 'any' | undefined {
  const def = schema._zod.def as {
    type: string; shape?: Record<string, Schema>; catchall?: Schema; valueType?: Schema; options?: Schema[];
  };
  switch (def.type) {
    case 'object': {
      const own = def.shape && Object.hasOwn(def.shape, name) ? def.shape[name] : undefined;
      if (own) return own;
      // A loose object (looseObject) carries any other attribute, of unknown shape.
      const catchall = def.catchall ? unwrap(def.catchall).schema : undefined;
      return catchall && (catchall._zod.def as { type: string }).type !== 'never' ? 'any' : undefined;
    }
    case 'record':
      return def.valueType;
    case 'union':
      for (const option of def.options ?? []) {
        const child = childOf(throughArrays(unwrap(option).schema), name);
        if (child !== undefined) return child;
      }
      return undefined;
    case 'unknown':
    case 'any':
      return 'any';
    default:
      return undefined;
  }
}

function kindOf(schema: Schema): AttributeKind {
  const def = schema._zod.def as { type: string; values?: unknown[]; options?: Schema[] };
  switch (def.type) {
    case 'string':
    case 'enum':
    case 'template_literal':
      return 'string';
    case 'number':
    case 'int':
    case 'bigint':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'literal':
      return typeof def.values?.[0] === 'number' ? 'number' : typeof def.values?.[0] === 'boolean' ? 'boolean' : 'string';
    case 'object':
      return 'object';
    case 'record':
      return 'map';
    case 'array':
      return 'array';
    default:
      return 'any';
  }
}
