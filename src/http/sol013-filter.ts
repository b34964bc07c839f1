// Attribute-based filtering (ETSI GS NFV-SOL 013 §5.2): `filter=(eq,operationState,PROCESSING);(in,operation,A,B)`.
// Terms are ANDed; each names an operator, a dotted attribute path and one or more values.
import { HttpProblem } from './problem.ts';

export type FilterOperator = 'eq' | 'neq' | 'in' | 'nin' | 'gt' | 'gte' | 'lt' | 'lte' | 'cont' | 'ncont';
const OPERATORS = new Set<FilterOperator>(['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'cont', 'ncont']);

export interface FilterTerm {
  op: FilterOperator;
  path: string[];
  values: string[];
}

/** Parses a filter expression; an unknown attribute or a malformed term is a 400. */
export function parseFilter(expression: string | null, attributes: ReadonlySet<string>): FilterTerm[] {
  if (expression === null || expression.trim() === '') return [];
  return splitTerms(expression).map((term) => {
    const match = /^\((.*)\)$/.exec(term.trim());
    const parts = match?.[1] ? splitUnescaped(match[1], ',', true) : [];
    const [op, attribute, ...values] = parts;
    if (!op || !attribute || values.length === 0) throw new HttpProblem(400, `filter term ${term} is not of the form (op,attribute,value[,value…])`);
    if (!OPERATORS.has(op as FilterOperator)) throw new HttpProblem(400, `filter operator ${op} is not one of ${[...OPERATORS].join(', ')}`);
    if (!attributes.has(attribute)) throw new HttpProblem(400, `filter attribute ${attribute} is not supported; supported: ${[...attributes].join(', ')}`);
    if ((op === 'eq' || op === 'neq') && values.length !== 1) throw new HttpProblem(400, `filter operator ${op} takes one value`);
    return { op: op as FilterOperator, path: attribute.split('/').flatMap((p) => p.split('.')), values };
  });
}

/** True when the object satisfies every term. */
export function matchesFilter(object: unknown, terms: FilterTerm[]): boolean {
  return terms.every((term) => {
    const actual = valuesAt(object, term.path).map(String);
    switch (term.op) {
      case 'eq':
      case 'in':
        return actual.some((v) => term.values.includes(v));
      case 'neq':
      case 'nin':
        return !actual.some((v) => term.values.includes(v));
      case 'cont':
        return actual.some((v) => term.values.some((t) => v.includes(t)));
      case 'ncont':
        return !actual.some((v) => term.values.some((t) => v.includes(t)));
      default:
        return actual.some((v) => term.values.every((t) => compare(v, t, term.op)));
    }
  });
}

function compare(actual: string, value: string, op: FilterOperator): boolean {
  const [a, b] = [Number(actual), Number(value)];
  const order = Number.isNaN(a) || Number.isNaN(b) ? actual.localeCompare(value) : a - b;
  return op === 'gt' ? order > 0 : op === 'gte' ? order >= 0 : op === 'lt' ? order < 0 : order <= 0;
}

/** Values at a path; arrays along the way fan out (SOL013: a match on any element counts). */
function valuesAt(object: unknown, path: string[]): unknown[] {
  let current: unknown[] = [object];
  for (const key of path) {
    current = current.flatMap((value) => {
      const next = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      return Array.isArray(next) ? (next as unknown[]) : next === undefined ? [] : [next];
    });
  }
  return current.flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]));
}

function splitTerms(expression: string): string[] {
  return splitUnescaped(expression, ';', false).filter((t) => t.trim() !== '');
}

/**
 * Splits on a separator that is neither escaped with a backslash (SOL013 escaping of , ; ( ) )
 * nor inside parentheses; `unescape` drops the backslashes (for the final values).
 */
function splitUnescaped(text: string, separator: string, unescape: boolean): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      current += unescape ? text[i + 1] : ch + (text[i + 1] as string);
      i += 1;
      continue;
    }
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === separator && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}
