// Attribute-based filtering (ETSI GS NFV-SOL 013 §5.2), the whole grammar:
//
//   filter      = expression *( ";" expression )            all expressions must hold (AND)
//   expression  = "(" op "," attrName 1*( "," value ) ")"
//   op          = eq / neq / gt / gte / lt / lte / cont / ncont   (and Tacker's in / nin)
//   attrName    = name *( "/" name )      "/" between a parent and its child; arrays are looked
//                                         through; in a name "~1" is "/", "~a" ",", "~b" "@",
//                                         "~0" "~"; "@key" names the keys of a map
//   value       = 'quoted' (with '' for a quote; may hold , ) ; and spaces) / unquoted
//                 (no ' , or ) in it)
//
// eq, cont and in take one value or more (any of them); neq, ncont and nin hold when none of
// the values does; gt, gte, lt and lte take one. On an attribute that is an array, or below
// one, a positive operator holds when some element does; a negative one when no element has
// the value. Values are read as the attribute's type (numbers, true/false); strings compare
// by code point, so ISO 8601 times of one format compare in time order. Each attribute is
// checked against the resource's wire model: a filter on what the resource does not have is
// a 400 naming it, as is every fault of the grammar (with its position).
import type { z } from 'zod';
import { HttpProblem } from './problem.ts';
import { attributeAt, KEY_SEGMENT, type AttributeKind } from './sol013-attributes.ts';

export type FilterOperator = 'eq' | 'neq' | 'in' | 'nin' | 'gt' | 'gte' | 'lt' | 'lte' | 'cont' | 'ncont';
const ONE_VALUE: ReadonlySet<string> = new Set(['gt', 'gte', 'lt', 'lte']);
const OPERATORS: ReadonlySet<string> = new Set(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'cont', 'ncont', 'in', 'nin']);
const NEGATIVE: ReadonlySet<FilterOperator> = new Set(['neq', 'nin', 'ncont']);

export interface FilterTerm {
  op: FilterOperator;
  /** Attribute names from the top of the object, unescaped. */
  path: string[];
  values: (string | number | boolean)[];
}

/**
 * Parses a filter against the model of the objects it will be applied to (e.g. VnfInstance);
 * an absent or empty filter is no term. Throws a 400 saying what is wrong and where.
 */
export function parseFilter(expression: string | undefined | null, model: z.ZodType, modelName: string): FilterTerm[] {
  if (expression === undefined || expression === null || expression === '') return [];
  const terms: FilterTerm[] = [];
  const reader = new Reader(expression);
  for (;;) {
    terms.push(readTerm(reader, model, modelName));
    if (reader.done()) return terms;
    reader.expect(';', 'between two filter expressions');
  }
}

/** True when the object satisfies every term. */
export function matchesFilter(object: unknown, terms: readonly FilterTerm[]): boolean {
  return terms.every((term) => {
    const actual = valuesAt(object, term.path);
    const positive = positiveOf(term.op);
    const holds = actual.some((value) => term.values.some((wanted) => satisfies(value, positive, wanted)));
    return NEGATIVE.has(term.op) ? !holds : holds;
  });
}

// --- Parsing ---

class Reader {
  position = 0;
  constructor(readonly text: string) {}

  done(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.position];
  }

  expect(char: string, where: string): void {
    if (this.text[this.position] !== char) {
      const found = this.done() ? 'the end of the filter' : `'${this.text[this.position] as string}'`;
      throw this.fault(`expected '${char}' ${where} at position ${this.position + 1}, found ${found}`);
    }
    this.position += 1;
  }

  /** Text up to (not including) the first of the stop characters, or the end. */
  until(stops: string): string {
    const start = this.position;
    while (!this.done() && !stops.includes(this.text[this.position] as string)) this.position += 1;
    return this.text.slice(start, this.position);
  }

  fault(detail: string): HttpProblem {
    return new HttpProblem(400, `filter ${this.text} is malformed: ${detail}; the form is (op,attrName,value[,value]*)[;(…)]`);
  }
}

function readTerm(reader: Reader, model: z.ZodType, modelName: string): FilterTerm {
  const start = reader.position;
  if (reader.peek() !== '(') throw new HttpProblem(400, `filter term ${reader.text.slice(start)} is not of the form (op,attrName,value[,value]*)`);
  reader.expect('(', 'to open a filter expression');
  const op = reader.until(',)');
  if (!OPERATORS.has(op)) throw new HttpProblem(400, `filter operator ${op} is not one of eq, neq, gt, gte, lt, lte, cont, ncont (or in, nin)`);
  reader.expect(',', `after the operator ${op}`);
  const name = reader.until(',)');
  if (name === '') throw reader.fault(`no attribute name at position ${reader.position + 1}`);
  const path = name.split('/').map(unescapeName);
  const raw: string[] = [];
  while (reader.peek() === ',') {
    reader.position += 1;
    raw.push(readValue(reader));
  }
  reader.expect(')', 'to close the filter expression');
  if (raw.length === 0) throw new HttpProblem(400, `filter term ${reader.text.slice(start, reader.position)} is not of the form (op,attrName,value[,value]*): no value`);
  if (ONE_VALUE.has(op) && raw.length !== 1) throw new HttpProblem(400, `filter operator ${op} takes one value; ${name} was given ${raw.length}`);
  const kind = leafKind(model, modelName, name, path);
  if ((op === 'cont' || op === 'ncont') && kind !== 'string' && kind !== 'any') {
    throw new HttpProblem(400, `filter operator ${op} applies to strings; ${name} of ${modelName} is ${kind === 'number' ? 'a number' : 'a boolean'}`);
  }
  return { op: op as FilterOperator, path, values: raw.map((value) => typed(value, kind, name)) };
}

function readValue(reader: Reader): string {
  if (reader.peek() !== "'") {
    const value = reader.until(",)'");
    if (value === '') throw reader.fault(`empty value at position ${reader.position + 1}`);
    if (reader.peek() === "'") throw reader.fault(`a quote inside an unquoted value at position ${reader.position + 1}`);
    return value;
  }
  reader.position += 1;
  let value = '';
  for (;;) {
    if (reader.done()) throw reader.fault('a quoted value is not closed');
    const char = reader.text[reader.position] as string;
    reader.position += 1;
    if (char !== "'") {
      value += char;
    } else if (reader.peek() === "'") {
      value += "'";
      reader.position += 1;
    } else {
      return value;
    }
  }
}

/** SOL013 §5.2.2 escapes of attribute names. */
function unescapeName(segment: string): string {
  return segment.replace(/~([01ab])/g, (_m, code: string) => ({ 0: '~', 1: '/', a: ',', b: '@' })[code as '0' | '1' | 'a' | 'b']);
}

/** The kind of value the path leads to; a complex attribute or an unknown one is a 400. */
function leafKind(model: z.ZodType, modelName: string, name: string, path: string[]): AttributeKind {
  const attribute = attributeAt(model, path);
  if (!attribute) throw new HttpProblem(400, `filter attribute ${name} is not supported: ${modelName} has no attribute ${name}`);
  const kind = attribute.kind === 'array' ? attribute.elementKind ?? 'any' : attribute.kind;
  if (kind === 'object' || kind === 'map' || kind === 'array') {
    throw new HttpProblem(400, `filter attribute ${name} of ${modelName} is a structure; name one of its attributes (e.g. ${name}/…)`);
  }
  return kind;
}

function typed(value: string, kind: AttributeKind, name: string): string | number | boolean {
  if (kind === 'number') {
    const number = Number(value);
    if (value.trim() === '' || Number.isNaN(number)) throw new HttpProblem(400, `filter value ${JSON.stringify(value)} for ${name} is not a number`);
    return number;
  }
  if (kind === 'boolean') {
    if (value !== 'true' && value !== 'false') throw new HttpProblem(400, `filter value ${JSON.stringify(value)} for ${name} is not true or false`);
    return value === 'true';
  }
  return value;
}

// --- Matching ---

function positiveOf(op: FilterOperator): FilterOperator {
  return op === 'neq' ? 'eq' : op === 'nin' ? 'in' : op === 'ncont' ? 'cont' : op;
}

function satisfies(actual: unknown, op: FilterOperator, wanted: string | number | boolean): boolean {
  // An attribute of unknown shape is compared as text when the value is text.
  const value = typeof wanted === 'string' && (typeof actual === 'number' || typeof actual === 'boolean') ? String(actual) : actual;
  switch (op) {
    case 'eq':
    case 'in':
      return value === wanted;
    case 'cont':
      return typeof value === 'string' && typeof wanted === 'string' && value.includes(wanted);
    default: {
      if (!((typeof value === 'string' && typeof wanted === 'string') || (typeof value === 'number' && typeof wanted === 'number'))) return false;
      const order = value < wanted ? -1 : value > wanted ? 1 : 0;
      return op === 'gt' ? order > 0 : op === 'gte' ? order >= 0 : op === 'lt' ? order < 0 : order <= 0;
    }
  }
}

/** Values at a path; arrays along the way (and at the end) fan out; `@key` gives a map's keys. */
function valuesAt(object: unknown, path: readonly string[]): unknown[] {
  let current: unknown[] = [object];
  for (const key of path) {
    current = current.flatMap((value) => (Array.isArray(value) ? (value as unknown[]) : [value])).flatMap((value) => {
      if (value === null || typeof value !== 'object') return [];
      if (key === KEY_SEGMENT) return Object.keys(value);
      const next = Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
      return next === undefined ? [] : [next];
    });
  }
  return current.flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]));
}
