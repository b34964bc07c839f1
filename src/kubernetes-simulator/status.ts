// Errors as the Kubernetes API answers them: a `Status` object with the HTTP code, a reason
// clients branch on (NotFound, AlreadyExists, Conflict, Invalid …) and a message in the API
// server's own words, which kubectl prints as "Error from server (NotFound): …".
import type { FieldError } from './admission.ts';
import { qualifiedName, type ResourceType } from './resources.ts';

export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid'
  | 'MethodNotAllowed' | 'NotAcceptable' | 'UnsupportedMediaType' | 'Expired' | 'RequestEntityTooLarge' | 'InternalError';

export class KubeStatusError extends Error {
  override readonly name = 'KubeStatusError';

  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: { reason: string; message: string; field: string }[] },
  ) {
    super(message);
  }

  toStatus() {
    return {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason,
      ...(this.details ? { details: this.details } : {}), code: this.code,
    };
  }

  static notFound(type: ResourceType, name: string): KubeStatusError {
    return new KubeStatusError(404, 'NotFound', `${qualifiedName(type)} "${name}" not found`, { name, group: type.group, kind: type.name });
  }

  static alreadyExists(type: ResourceType, name: string): KubeStatusError {
    return new KubeStatusError(409, 'AlreadyExists', `${qualifiedName(type)} "${name}" already exists`, { name, group: type.group, kind: type.name });
  }

  static conflict(type: ResourceType, name: string): KubeStatusError {
    return new KubeStatusError(409, 'Conflict',
      `Operation cannot be fulfilled on ${qualifiedName(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group: type.group, kind: type.name });
  }

  static invalid(type: ResourceType, name: string, errors: FieldError[]): KubeStatusError {
    const kind = type.group ? `${type.kind}.${type.group}` : type.kind;
    return new KubeStatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join(', ')}`, {
      name, group: type.group, kind: type.kind, causes: errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
    });
  }

  static badRequest(message: string): KubeStatusError {
    return new KubeStatusError(400, 'BadRequest', message);
  }
}

/** The Status of a successful delete. */
export function deletedStatus(type: ResourceType, name: string, uid: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: type.group, kind: type.name, uid } };
}
