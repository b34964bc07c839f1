// How a route declares its answers: per status, a description, the body per media type (a zod
// schema), and the headers that come with it. Fastify serializes each body with its schema; the
// OpenAPI document (openapi.ts) is made from the same declaration.
import { z } from 'zod';
import { ProblemDetails, PROBLEM_CONTENT_TYPE } from '../http/problem.ts';

export interface Answer {
  description: string;
  /** Body schema per media type; none for an answer without a body. */
  content: Record<string, { schema: z.ZodType }>;
  /** Headers sent with it; an optional schema marks a header that is not always sent. */
  headers?: Record<string, z.ZodType>;
}

/** A JSON body of this schema. */
export function json<S extends z.ZodType>(schema: S, description: string, headers?: Answer['headers']) {
  return { description, content: { 'application/json': { schema } }, ...(headers && { headers }) };
}

/** No body (typed as an undefined body of any media type, so that a handler sends nothing). */
export function empty(description: string, headers?: Answer['headers']) {
  const content: Record<string, { schema: z.ZodUndefined }> = {};
  return { description, content, ...(headers && { headers }) };
}

/** A ProblemDetails (every error is one). */
export function problem(description: string, headers?: Answer['headers']) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemDetails } }, ...(headers && { headers }) };
}

/** A raw body of one media type (a ZIP, a text file): described, and sent as it is. */
export function bytes(mediaType: string, description: string): Answer {
  return { description, content: { [mediaType]: { schema: binary(mediaType) } } };
}

/** Bytes of a media type, as OpenAPI 3.1 describes a binary body. */
export function binary(mediaType: string): z.ZodType {
  return z.file().mime(mediaType);
}

export const LOCATION = { Location: z.url().describe('the resource') };
export const RETRY_AFTER = { 'Retry-After': z.string().describe('seconds to wait before trying again') };

/** Where the workflow engine is reached: it may be down. */
export const TEMPORAL_UNREACHABLE = {
  503: problem('the workflow engine (Temporal) is not reachable now, or the operation\'s workflow is not answering; try again after Retry-After', RETRY_AFTER),
};
