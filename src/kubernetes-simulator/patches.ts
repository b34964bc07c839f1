// The three PATCH formats of the Kubernetes API: JSON merge patch (RFC 7386), JSON patch
// (RFC 6902) and strategic merge patch, which merges lists of objects by a merge key (containers
// by name, conditions by type …) and understands kubectl's directives ($patch, $retainKeys,
// $setElementOrder, $deleteFromPrimitiveList). `kubectl apply` and `kubectl patch` send the
// latter; the merge keys are those of the kinds this simulator serves.
import { clone, isJsonObject, type Json, type JsonObject } from './objects.ts';

export class PatchError extends Error {
  override readonly name = 'PatchError';
}

export const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;

export function applyPatch(contentType: string, original: JsonObject, patch: unknown): JsonObject {
  switch (contentType) {
    case PATCH_TYPES.merge: return asObject(mergePatch(original, patch as Json));
    case PATCH_TYPES.json: return jsonPatch(original, patch);
    case PATCH_TYPES.strategic: return asObject(strategicMerge(original, patch as Json, []));
    default: throw new PatchError(`unsupported patch type ${contentType}`);
  }
}

function asObject(value: Json | undefined): JsonObject {
  if (!isJsonObject(value)) throw new PatchError('the patch does not leave an object');
  return value;
}

// --- RFC 7386 ---

export function mergePatch(original: Json | undefined, patch: Json): Json {
  if (!isJsonObject(patch)) return clone(patch);
  const result: JsonObject = isJsonObject(original) ? clone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

// --- RFC 6902 (add, remove, replace, move, copy, test) ---

function jsonPatch(original: JsonObject, operations: unknown): JsonObject {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch is a list of operations');
  let document: Json = clone(original);
  for (const operation of operations) {
    if (!isJsonObject(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      throw new PatchError('every JSON patch operation has an op and a path');
    }
    const path = pointer(operation.path);
    switch (operation.op) {
      case 'add': document = setAt(document, path, clone(operation.value ?? null), true); break;
      case 'replace': getAt(document, path); document = setAt(document, path, clone(operation.value ?? null), false); break;
      case 'remove': document = removeAt(document, path); break;
      case 'test':
        if (JSON.stringify(getAt(document, path)) !== JSON.stringify(operation.value)) throw new PatchError(`test failed at ${operation.path}`);
        break;
      case 'move':
      case 'copy': {
        if (typeof operation.from !== 'string') throw new PatchError(`${operation.op} needs from`);
        const from = pointer(operation.from);
        const value = clone(getAt(document, from));
        if (operation.op === 'move') document = removeAt(document, from);
        document = setAt(document, path, value, true);
        break;
      }
      default: throw new PatchError(`unknown JSON patch op ${operation.op}`);
    }
  }
  return asObject(document);
}

function pointer(text: string): string[] {
  if (text === '') return [];
  if (!text.startsWith('/')) throw new PatchError(`${text} is not a JSON pointer`);
  return text.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(document: Json, path: string[]): Json {
  let node: Json = document;
  for (const key of path) {
    if (Array.isArray(node)) node = node[Number(key)] as Json;
    else if (isJsonObject(node)) node = node[key] as Json;
    else node = undefined as unknown as Json;
    if (node === undefined) throw new PatchError(`no value at /${path.join('/')}`);
  }
  return node;
}

function setAt(document: Json, path: string[], value: Json, insert: boolean): Json {
  if (path.length === 0) return value;
  const parent = getAt(document, path.slice(0, -1));
  const key = path[path.length - 1] as string;
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new PatchError(`index ${key} out of range`);
    if (insert) parent.splice(index, 0, value);
    else parent[index] = value;
  } else if (isJsonObject(parent)) {
    parent[key] = value;
  } else {
    throw new PatchError(`cannot set a member of a scalar at /${path.join('/')}`);
  }
  return document;
}

function removeAt(document: Json, path: string[]): Json {
  const parent = getAt(document, path.slice(0, -1));
  const key = path[path.length - 1] as string;
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (isJsonObject(parent) && key in parent) delete parent[key];
  else throw new PatchError(`no value at /${path.join('/')}`);
  return document;
}

// --- Strategic merge patch ---

/** Lists merged as sets of scalars (patchStrategy "merge" on a list of strings). */
const PRIMITIVE_MERGE_LISTS = new Set(['finalizers']);

/** The merge key of a list of objects, by its field name and (for `ports`) where it sits. */
function mergeKeyOf(field: string, path: string[]): string | undefined {
  switch (field) {
    case 'containers': case 'initContainers': case 'ephemeralContainers': case 'env': case 'volumes':
    case 'imagePullSecrets':
      return 'name';
    case 'ports': return path.includes('containers') || path.includes('initContainers') ? 'containerPort' : 'port';
    case 'volumeMounts': return 'mountPath';
    case 'volumeDevices': return 'devicePath';
    case 'hostAliases': return 'ip';
    case 'conditions': return 'type';
    case 'ownerReferences': return 'uid';
    case 'topologySpreadConstraints': return 'topologyKey';
    default: return undefined;
  }
}

const ORDER_PREFIX = '$setElementOrder/';
const DELETE_PRIMITIVE_PREFIX = '$deleteFromPrimitiveList/';

function strategicMerge(original: Json | undefined, patch: Json, path: string[]): Json | undefined {
  if (!isJsonObject(patch)) return clone(patch);
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  const base: JsonObject = directive === 'replace' || !isJsonObject(original) ? {} : clone(original);
  const orders: [string, Json[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith(ORDER_PREFIX)) {
      if (Array.isArray(value)) orders.push([key.slice(ORDER_PREFIX.length), value]);
      continue;
    }
    if (key.startsWith(DELETE_PRIMITIVE_PREFIX)) {
      const field = key.slice(DELETE_PRIMITIVE_PREFIX.length);
      const current = base[field];
      if (Array.isArray(current) && Array.isArray(value)) base[field] = current.filter((item) => !value.includes(item));
      continue;
    }
    if (value === null) {
      delete base[key];
      continue;
    }
    const current = base[key];
    if (Array.isArray(value)) {
      const merged = mergeList(key, [...path, key], Array.isArray(current) ? current : [], value);
      base[key] = merged;
    } else if (isJsonObject(value)) {
      const merged = strategicMerge(current, value, [...path, key]);
      if (merged === undefined) delete base[key];
      else base[key] = merged;
    } else {
      base[key] = value;
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const key of Object.keys(base)) if (!keep.has(key)) delete base[key];
  }
  for (const [field, order] of orders) {
    const list = base[field];
    if (Array.isArray(list)) base[field] = reorder(field, path, list, order);
  }
  return base;
}

function mergeList(field: string, path: string[], original: Json[], patch: Json[]): Json[] {
  if (PRIMITIVE_MERGE_LISTS.has(field)) {
    const out = [...original];
    for (const item of patch) if (!out.includes(item)) out.push(item);
    return out;
  }
  const key = mergeKeyOf(field, path.slice(0, -1));
  if (!key || !patch.every(isJsonObject)) return clone(patch);
  const replaceAll = patch.some((item) => isJsonObject(item) && item.$patch === 'replace');
  const out: Json[] = replaceAll ? [] : clone(original);
  for (const item of patch) {
    if (item.$patch === 'replace') continue;
    const index = out.findIndex((existing) => isJsonObject(existing) && existing[key] === item[key]);
    if (item.$patch === 'delete') {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (index >= 0) out[index] = strategicMerge(out[index], item, path) ?? null;
    else out.push(strategicMerge(undefined, item, path) ?? null);
  }
  return out;
}

/** `$setElementOrder`: the listed items in the listed order, then whatever the server alone had. */
function reorder(field: string, path: string[], list: Json[], order: Json[]): Json[] {
  const key = mergeKeyOf(field, path);
  const identity = (item: Json): string => JSON.stringify(key && isJsonObject(item) ? item[key] : item);
  const wanted = order.map((entry) => JSON.stringify(key && isJsonObject(entry) ? entry[key] : entry));
  const ordered = wanted.flatMap((id) => list.filter((item) => identity(item) === id));
  const rest = list.filter((item) => !wanted.includes(identity(item)));
  return [...ordered, ...rest];
}
