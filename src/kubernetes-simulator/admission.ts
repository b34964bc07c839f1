// What the API server does to an object before it is stored: defaulting (the fields a real
// server fills in, so that objects read back look like a cluster's) and validation (the
// rules a client can trip over: names, selectors that must match the template, containers).
import { isJsonObject, scalarText, type Json, type JsonObject, type KubeObject } from './objects.ts';
import type { ResourceType } from './resources.ts';
import { matchesLabels, selectorRequirements } from './selectors.ts';

export interface FieldError {
  field: string;
  reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported';
  message: string;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Fills in defaults in place. */
export function applyDefaults(type: ResourceType, object: KubeObject, serviceIp: () => string): void {
  switch (type.kind) {
    case 'Namespace':
      object.spec = { finalizers: ['kubernetes'], ...object.spec };
      object.status = { phase: 'Active' };
      return;
    case 'Pod':
      object.spec = defaultPodSpec(object.spec ?? {});
      object.status = isJsonObject(object.status) && object.status.phase ? object.status : { phase: 'Pending', qosClass: 'BestEffort' };
      return;
    case 'ReplicaSet':
      object.spec = { replicas: 1, minReadySeconds: 0, ...object.spec };
      defaultTemplate(object.spec);
      return;
    case 'Deployment': {
      const spec: JsonObject = { replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, ...object.spec };
      const strategy: JsonObject = isJsonObject(spec.strategy) ? { ...spec.strategy } : {};
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        strategy.rollingUpdate = { maxSurge: '25%', maxUnavailable: '25%', ...(isJsonObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {}) };
      }
      spec.strategy = strategy;
      defaultTemplate(spec);
      object.spec = spec;
      return;
    }
    case 'StatefulSet': {
      const spec: JsonObject = { replicas: 1, podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10, ...object.spec };
      const strategy: JsonObject = isJsonObject(spec.updateStrategy) ? { ...spec.updateStrategy } : {};
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        strategy.rollingUpdate = { partition: 0, ...(isJsonObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {}) };
      }
      spec.updateStrategy = strategy;
      defaultTemplate(spec);
      object.spec = spec;
      return;
    }
    case 'Service': {
      const spec: JsonObject = { type: 'ClusterIP', sessionAffinity: 'None', ...object.spec };
      spec.clusterIP ??= serviceIp();
      if (Array.isArray(spec.ports)) {
        spec.ports = spec.ports.map((port) => (isJsonObject(port) ? { protocol: 'TCP', targetPort: port.port ?? null, ...port } : port));
      }
      object.spec = spec;
      object.status ??= { loadBalancer: {} };
      return;
    }
    default:
  }
}

function defaultTemplate(spec: JsonObject): void {
  if (!isJsonObject(spec.template)) return;
  const template = spec.template;
  template.metadata = isJsonObject(template.metadata) ? template.metadata : {};
  template.spec = defaultPodSpec(isJsonObject(template.spec) ? template.spec : {});
}

function defaultPodSpec(given: JsonObject): JsonObject {
  const spec: JsonObject = {
    restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler',
    ...given,
  };
  if (Array.isArray(spec.containers)) spec.containers = spec.containers.map(defaultContainer);
  return spec;
}

function defaultContainer(container: Json): Json {
  if (!isJsonObject(container)) return container;
  const image = typeof container.image === 'string' ? container.image : '';
  const tagged = /:[^/]+$/.test(image) && !image.endsWith(':latest');
  return {
    resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
    imagePullPolicy: tagged ? 'IfNotPresent' : 'Always',
    ...container,
  };
}

/** The rules a create or update must pass; empty when it does. */
export function validate(type: ResourceType, object: KubeObject, previous?: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const name = object.metadata.name;
  const nameRule = type.kind === 'Namespace' ? DNS_LABEL : DNS_SUBDOMAIN;
  if (!name) errors.push({ field: 'metadata.name', reason: 'FieldValueRequired', message: 'name or generateName is required' });
  else if (!nameRule.test(name) || name.length > (type.kind === 'Namespace' ? 63 : 253)) {
    errors.push({ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: "${name}": a lowercase RFC 1123 ${type.kind === 'Namespace' ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.'` });
  }
  const spec = object.spec ?? {};
  switch (type.kind) {
    case 'Pod':
      errors.push(...validatePodSpec(spec, 'spec'));
      break;
    case 'Deployment':
    case 'ReplicaSet':
      errors.push(...validateWorkload(spec));
      if (previous && JSON.stringify(previous.spec?.selector) !== JSON.stringify(spec.selector)) {
        errors.push({ field: 'spec.selector', reason: 'FieldValueInvalid', message: 'field is immutable' });
      }
      if (type.kind === 'Deployment') errors.push(...validateStrategy(spec));
      break;
    case 'StatefulSet':
      errors.push(...validateWorkload(spec), ...validateUpdateStrategy(spec));
      if (previous) errors.push(...validateStatefulSetUpdate(previous.spec ?? {}, spec));
      break;
    default:
  }
  return errors;
}

function validateWorkload(spec: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof spec.replicas === 'number' && (spec.replicas < 0 || !Number.isInteger(spec.replicas))) {
    errors.push({ field: 'spec.replicas', reason: 'FieldValueInvalid', message: `Invalid value: ${spec.replicas}: must be greater than or equal to 0` });
  }
  const requirements = selectorRequirements(spec.selector);
  if (!isJsonObject(spec.selector) || requirements.length === 0) {
    errors.push({ field: 'spec.selector', reason: 'FieldValueRequired', message: 'Required value' });
  }
  const template = isJsonObject(spec.template) ? spec.template : undefined;
  if (!template) return [...errors, { field: 'spec.template', reason: 'FieldValueRequired', message: 'Required value' }];
  const labels = isJsonObject(template.metadata) && isJsonObject(template.metadata.labels) ? template.metadata.labels as Record<string, string> : {};
  if (requirements.length > 0 && !matchesLabels(labels, requirements)) {
    errors.push({ field: 'spec.template.metadata.labels', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\`` });
  }
  errors.push(...validatePodSpec(isJsonObject(template.spec) ? template.spec : {}, 'spec.template.spec'));
  return errors;
}

function validatePodSpec(spec: JsonObject, at: string): FieldError[] {
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  if (containers.length === 0) return [{ field: `${at}.containers`, reason: 'FieldValueRequired', message: 'Required value' }];
  const errors: FieldError[] = [];
  containers.forEach((container, i) => {
    if (!isJsonObject(container) || typeof container.name !== 'string' || !DNS_LABEL.test(container.name)) {
      errors.push({ field: `${at}.containers[${i}].name`, reason: 'FieldValueRequired', message: 'Required value: a DNS-1123 label' });
    }
    if (!isJsonObject(container) || typeof container.image !== 'string' || container.image === '') {
      errors.push({ field: `${at}.containers[${i}].image`, reason: 'FieldValueRequired', message: 'Required value' });
    }
  });
  const gates = spec.readinessGates;
  if (gates !== undefined && (!Array.isArray(gates) || gates.some((g) => !isJsonObject(g) || typeof g.conditionType !== 'string'))) {
    errors.push({ field: `${at}.readinessGates`, reason: 'FieldValueInvalid', message: 'every readiness gate names a conditionType' });
  }
  return errors;
}

function validateStrategy(spec: JsonObject): FieldError[] {
  const strategy = isJsonObject(spec.strategy) ? spec.strategy : {};
  if (strategy.type !== 'RollingUpdate' && strategy.type !== 'Recreate') {
    return [{ field: 'spec.strategy.type', reason: 'FieldValueNotSupported', message: `Unsupported value: "${scalarText(strategy.type)}": supported values: "Recreate", "RollingUpdate"` }];
  }
  if (strategy.type === 'Recreate' && strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
    return [{ field: 'spec.strategy.rollingUpdate', reason: 'FieldValueInvalid', message: 'may not be specified when strategy `type` is \'Recreate\'' }];
  }
  const rolling = isJsonObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
  if (strategy.type === 'RollingUpdate' && isZero(rolling.maxSurge) && isZero(rolling.maxUnavailable)) {
    return [{ field: 'spec.strategy.rollingUpdate.maxUnavailable', reason: 'FieldValueInvalid', message: 'may not be 0 when `maxSurge` is 0' }];
  }
  return [];
}

function validateUpdateStrategy(spec: JsonObject): FieldError[] {
  const strategy = isJsonObject(spec.updateStrategy) ? spec.updateStrategy : {};
  if (strategy.type !== 'RollingUpdate' && strategy.type !== 'OnDelete') {
    return [{ field: 'spec.updateStrategy.type', reason: 'FieldValueNotSupported', message: `Unsupported value: "${scalarText(strategy.type)}": supported values: "OnDelete", "RollingUpdate"` }];
  }
  if (strategy.type === 'OnDelete' && strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
    return [{ field: 'spec.updateStrategy.rollingUpdate', reason: 'FieldValueInvalid', message: 'only allowed for updateStrategy \'RollingUpdate\'' }];
  }
  const rolling = isJsonObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
  const partition = rolling.partition;
  if (partition !== undefined && (typeof partition !== 'number' || partition < 0 || !Number.isInteger(partition))) {
    return [{ field: 'spec.updateStrategy.rollingUpdate.partition', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(partition)}: must be greater than or equal to 0` }];
  }
  if (spec.podManagementPolicy !== 'OrderedReady' && spec.podManagementPolicy !== 'Parallel') {
    return [{ field: 'spec.podManagementPolicy', reason: 'FieldValueNotSupported', message: `Unsupported value: "${scalarText(spec.podManagementPolicy)}": supported values: "OrderedReady", "Parallel"` }];
  }
  return [];
}

/** The API server lets a StatefulSet's replicas, template, updateStrategy and minReadySeconds change, nothing else of its spec. */
const STATEFUL_SET_MUTABLE = ['replicas', 'template', 'updateStrategy', 'minReadySeconds'];

function validateStatefulSetUpdate(previous: JsonObject, next: JsonObject): FieldError[] {
  const frozen = (spec: JsonObject) => JSON.stringify(Object.fromEntries(Object.entries(spec).filter(([k]) => !STATEFUL_SET_MUTABLE.includes(k)).sort(([a], [b]) => a.localeCompare(b))));
  if (frozen(previous) === frozen(next)) return [];
  return [{ field: 'spec', reason: 'FieldValueInvalid', message: 'Forbidden: updates to statefulset spec for fields other than \'replicas\', \'template\', \'updateStrategy\' and \'minReadySeconds\' are forbidden' }];
}

function isZero(value: Json | undefined): boolean {
  return value === 0 || value === '0' || value === '0%';
}
