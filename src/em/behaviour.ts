// The programmable behaviour of the reference EM: which answer a coordination request gets.
// Rules are data (a config file or `PUT /admin/behaviours`), validated here once.
import { z } from 'zod';

const Seconds = z.number().int().min(0);
/** Node timers overflow above 2^31-1 ms (and then fire at once). */
const MAX_TIMER_MS = 2_147_483_647;

/** Which requests a rule applies to; every given field must match, an empty match matches all. */
export const RuleMatch = z.strictObject({
  coordinationActionName: z.string().min(1).optional(),
  /** Compared with `inputParams.vnfcInstanceId` of the LcmCoordRequest. */
  vnfcInstanceId: z.string().min(1).optional(),
});
export type RuleMatch = z.infer<typeof RuleMatch>;

/** What the EM does with a matching coordination. */
export const Behaviour = z.strictObject({
  /** sync: 201 + LcmCoord; async: 202 + Location, then GET answers 202 `polls` times before 200. */
  mode: z.enum(['sync', 'async']).default('sync'),
  result: z.enum(['CONTINUE', 'ABORT']).default('CONTINUE'),
  /** Detail text of the ProblemDetails carried by an ABORT result. */
  error: z.string().min(1).optional(),
  outputParams: z.record(z.string(), z.unknown()).optional(),
  /** One string (as SOL002's OpenAPI file has it) or a list of strings (as its data-model table has it). */
  warnings: z.union([z.string(), z.array(z.string())]).optional(),
  /** async: number of GETs answered 202 before the 200. */
  polls: z.number().int().min(0).default(0),
  /** Retry-After (seconds) on 202 responses; also the delay of 503s (1 s when unset). */
  retryAfter: Seconds.optional(),
  /** Send Retry-After as an HTTP-date (RFC 9110 §10.2.3) instead of delay-seconds. */
  retryAfterDate: z.boolean().default(false),
  /** The first N POSTs for the same rule, coordinationActionName and VNFC get 503 + Retry-After (or `rejectWith`). */
  reject503: z.number().int().min(0).default(0),
  /** The status of those refusals: 503 (Retry-After always sent) or 429 Too Many Requests (Retry-After only when retryAfter is set). */
  rejectWith: z.union([z.literal(503), z.literal(429)]).default(503),
  /** An LcmCoord without `_links.self`, as Tacker's sample EMs send it. */
  withoutSelfLink: z.boolean().default(false),
  /** A synchronous 201 without `Location`, as Tacker's sample EMs send it. */
  withoutLocation: z.boolean().default(false),
  /** Hold POST and GET responses this long; a large value simulates a hanging EM. */
  delayMs: z.number().int().min(0).max(MAX_TIMER_MS).default(0),
  /** async that never finishes: GET answers 202 until the coordination is cancelled. */
  never: z.boolean().default(false),
  /** A broken LcmCoord body (on the 201, or on the final 200 of an async coordination). */
  malformed: z.enum(['not-json', 'missing-field', 'oversized']).optional(),
  /** Answer every POST with this status and a ProblemDetails (e.g. 403, 409, 500). */
  status: z.number().int().min(400).max(599).optional(),
  /** Origin put into the Location header instead of the EM's own (for the client's origin check). */
  locationOrigin: z.url().transform((href) => new URL(href).origin).optional(),
});
export type Behaviour = z.infer<typeof Behaviour>;

export const BehaviourRule = Behaviour.extend({ match: RuleMatch.default({}) });
export type BehaviourRule = z.infer<typeof BehaviourRule>;

export const BehaviourConfig = z.strictObject({
  /** Tried in order; the first match wins. */
  rules: z.array(BehaviourRule).default([]),
  /** Applies when no rule matches; by default a synchronous CONTINUE. */
  default: Behaviour.default(() => Behaviour.parse({})),
});
export type BehaviourConfig = z.infer<typeof BehaviourConfig>;
/** The config as written by a user: every field with a default may be left out. */
export type BehaviourConfigInput = z.input<typeof BehaviourConfig>;

export interface CoordinationSubject {
  coordinationActionName: string;
  vnfcInstanceId?: string;
}

export interface MatchedBehaviour {
  behaviour: Behaviour;
  /** Identifies the rule and subject, so that `reject503` counts per VNFC and action. */
  rejectionKey: string;
}

/** Holds the current behaviour config and the 503 counters that belong to it. */
export class BehaviourStore {
  private config: BehaviourConfig;
  private readonly rejections = new Map<string, number>();

  private readonly initial: BehaviourConfig;

  /** Throws a ZodError when the config is invalid. */
  constructor(initial: BehaviourConfigInput = {}) {
    this.initial = BehaviourConfig.parse(initial);
    this.config = this.initial;
  }

  current(): BehaviourConfig {
    return this.config;
  }

  /** Replaces the config (throws a ZodError when invalid); the 503 counters start again from zero. */
  set(input: BehaviourConfigInput): BehaviourConfig {
    this.config = BehaviourConfig.parse(input);
    this.rejections.clear();
    return this.config;
  }

  /** Back to the config the EM was started with. */
  reset(): void {
    this.config = this.initial;
    this.rejections.clear();
  }

  match(subject: CoordinationSubject): MatchedBehaviour {
    const index = this.config.rules.findIndex((rule) => ruleMatches(rule.match, subject));
    const behaviour = this.config.rules[index] ?? this.config.default;
    const rule = index < 0 ? 'default' : `rule ${index}`;
    return { behaviour, rejectionKey: JSON.stringify([rule, subject.coordinationActionName, subject.vnfcInstanceId ?? null]) };
  }

  /** True while the subject still has 503s to receive; each call consumes one. */
  takeRejection({ behaviour, rejectionKey }: MatchedBehaviour): boolean {
    const given = this.rejections.get(rejectionKey) ?? 0;
    if (given >= behaviour.reject503) return false;
    this.rejections.set(rejectionKey, given + 1);
    return true;
  }
}

function ruleMatches(match: RuleMatch, subject: CoordinationSubject): boolean {
  if (match.coordinationActionName !== undefined && match.coordinationActionName !== subject.coordinationActionName) return false;
  if (match.vnfcInstanceId !== undefined && match.vnfcInstanceId !== subject.vnfcInstanceId) return false;
  return true;
}
