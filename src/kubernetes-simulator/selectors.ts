// Label and field selectors as the API server reads them from a query (`labelSelector`,
// `fieldSelector`) and from a workload's `spec.selector` (matchLabels, matchExpressions).
import type { Json, KubeObject } from './objects.ts';
import { isJsonObject, scalarText } from './objects.ts';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'doesnotexist' };

export class SelectorError extends Error {
  override readonly name = 'SelectorError';
}

/** `a=b,c!=d,e in (f,g),!h,i` — the query syntax of label selectors. */
export function parseLabelSelector(text: string | undefined): Requirement[] {
  if (!text) return [];
  const requirements: Requirement[] = [];
  for (const part of splitTopLevel(text)) {
    const term = part.trim();
    if (!term) continue;
    let match: RegExpExecArray | null;
    if ((match = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
      requirements.push({ key: match[1] as string, op: match[2] as 'in' | 'notin', values: (match[3] as string).split(',').map((v) => v.trim()).filter(Boolean) });
    } else if ((match = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s,]*)$/.exec(term))) {
      requirements.push({ key: match[1] as string, op: match[2] === '!=' ? 'notin' : 'in', values: [match[3] as string] });
    } else if ((match = /^!([^\s!=]+)$/.exec(term))) {
      requirements.push({ key: match[1] as string, op: 'doesnotexist' });
    } else if (/^[^\s!=(),]+$/.test(term)) {
      requirements.push({ key: term, op: 'exists' });
    } else {
      throw new SelectorError(`unable to parse requirement: ${term}`);
    }
  }
  return requirements;
}

/** A workload's `spec.selector` (matchLabels and matchExpressions) as requirements. */
export function selectorRequirements(selector: Json | undefined): Requirement[] {
  if (!isJsonObject(selector)) return [];
  const requirements: Requirement[] = [];
  const labels = isJsonObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(labels)) requirements.push({ key, op: 'in', values: [scalarText(value)] });
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const expression of expressions) {
    if (!isJsonObject(expression) || typeof expression.key !== 'string') continue;
    const op = scalarText(expression.operator).toLowerCase();
    const values = Array.isArray(expression.values) ? expression.values.map(scalarText) : [];
    if (op === 'in' || op === 'notin') requirements.push({ key: expression.key, op, values });
    else if (op === 'exists' || op === 'doesnotexist') requirements.push({ key: expression.key, op });
  }
  return requirements;
}

export function matchesLabels(labels: Record<string, string> | undefined, requirements: Requirement[]): boolean {
  const own = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(own, r.key);
    switch (r.op) {
      case 'in': return has && r.values.includes(own[r.key] as string);
      case 'notin': return !has || !r.values.includes(own[r.key] as string);
      case 'exists': return has;
      case 'doesnotexist': return !has;
    }
  });
}

/** `metadata.name=x,metadata.namespace!=y` — the field selectors the API server supports for every kind. */
export function parseFieldSelector(text: string | undefined): (object: KubeObject) => boolean {
  if (!text) return () => true;
  const tests = splitTopLevel(text).map((part) => {
    const match = /^([^!=]+)(==|=|!=)(.*)$/.exec(part.trim());
    if (!match) throw new SelectorError(`invalid field selector: ${part}`);
    const [, field, op, value] = match as unknown as [string, string, string, string];
    const read = fieldReader(field);
    return (object: KubeObject) => (op === '!=' ? read(object) !== value : read(object) === value);
  });
  return (object) => tests.every((test) => test(object));
}

function fieldReader(field: string): (object: KubeObject) => string | undefined {
  switch (field) {
    case 'metadata.name': return (o) => o.metadata.name;
    case 'metadata.namespace': return (o) => o.metadata.namespace;
    case 'status.phase': return (o) => (isJsonObject(o.status) && typeof o.status.phase === 'string' ? o.status.phase : undefined);
    case 'spec.nodeName': return (o) => (isJsonObject(o.spec) && typeof o.spec.nodeName === 'string' ? o.spec.nodeName : undefined);
    default: throw new SelectorError(`field label not supported: ${field}`);
  }
}

/** Splits on commas outside parentheses (`a in (x,y),b`). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth += 1;
    if (c === ')') depth -= 1;
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}
