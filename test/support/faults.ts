// Small tools for fault tests: a seeded PRNG (a failing run can be replayed with its seed), an
// HTTP stub in front of an EM that resets connections and records what it forwards, and readers
// of a workflow's history (a crash loop, a timed-out activity attempt show there).
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { listen } from '../../src/http/listen.ts';
import type { RequestLogEntry } from '../../src/em/server.ts';

/** mulberry32: a tiny deterministic PRNG; the same seed gives the same kill schedule. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What a workflow's (current run's) history says about faults: WorkflowTaskFailed events (a
 * crash loop shows as many), WorkflowTaskTimedOut events (a worker that died holding a task),
 * and activities that needed more than one attempt.
 */
export async function historyFacts(client: Client, workflowId: string): Promise<{ failed: number; timedOut: number; retriedActivities: number; events: number }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  return {
    failed: events.filter((e) => e.workflowTaskFailedEventAttributes).length,
    timedOut: events.filter((e) => e.workflowTaskTimedOutEventAttributes).length,
    retriedActivities: events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length,
    events: events.length,
  };
}

type TimeoutKind = 'START_TO_CLOSE' | 'SCHEDULE_TO_START' | 'SCHEDULE_TO_CLOSE' | 'HEARTBEAT' | 'UNSPECIFIED';

function timeoutKind(type: temporal.api.enums.v1.TimeoutType | null | undefined): TimeoutKind {
  const name = temporal.api.enums.v1.TimeoutType[type ?? 0] ?? 'TIMEOUT_TYPE_UNSPECIFIED';
  return name.replace('TIMEOUT_TYPE_', '') as TimeoutKind;
}

async function activityEvents(client: Client, workflowId: string, activityType: string) {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const scheduled = new Map(events
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name]));
  const isOurs = (scheduledEventId: unknown) => scheduled.get(String(scheduledEventId)) === activityType;
  return { events, isOurs };
}

/**
 * The attempt of each execution of the named activity that the history records as started (the
 * last one), and how the attempt before it ended if that was a timeout (e.g. HEARTBEAT: the
 * worker running it died and stopped heartbeating).
 */
export async function activityAttempts(client: Client, workflowId: string, activityType: string): Promise<{ attempt: number; previousAttemptTimedOut?: TimeoutKind }[]> {
  const { events, isOurs } = await activityEvents(client, workflowId, activityType);
  return events.flatMap((e) => {
    const started = e.activityTaskStartedEventAttributes;
    if (!started || !isOurs(started.scheduledEventId)) return [];
    const timeout = started.lastFailure?.timeoutFailureInfo;
    return [{ attempt: started.attempt ?? 1, ...(timeout ? { previousAttemptTimedOut: timeoutKind(timeout.timeoutType) } : {}) }];
  });
}

/** Which timeout ended each execution of the named activity that timed out for good. */
export async function activityTimeouts(client: Client, workflowId: string, activityType: string): Promise<TimeoutKind[]> {
  const { events, isOurs } = await activityEvents(client, workflowId, activityType);
  return events.flatMap((e) => {
    const timedOut = e.activityTaskTimedOutEventAttributes;
    if (!timedOut || !isOurs(timedOut.scheduledEventId)) return [];
    return [timeoutKind(timedOut.failure?.timeoutFailureInfo?.timeoutType)];
  });
}

export interface ForwardedRequest {
  method: string;
  path: string;
  body: string;
  /** Arrival at the stub, ms since the epoch. */
  time: number;
  /** The stub destroyed the socket instead of forwarding. */
  reset: boolean;
}

export interface EmStub {
  /** Use as the VNFC's EM endpoint. */
  url: string;
  requests: ForwardedRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP stub in front of the EM: a request for which `reset` says true has its connection
 * destroyed (the client sees ECONNRESET / "other side closed"); every other request is
 * forwarded as it came, Host header included, so the EM's Location points back at the stub.
 */
export async function startEmStub(emUrl: string, reset: (request: ForwardedRequest, index: number) => boolean = () => false): Promise<EmStub> {
  const upstream = new URL(emUrl);
  const requests: ForwardedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: ForwardedRequest = {
        method: req.method ?? '', path: req.url ?? '/', body: Buffer.concat(chunks).toString('utf8'), time: Date.now(), reset: false,
      };
      entry.reset = reset(entry, requests.length);
      requests.push(entry);
      if (entry.reset) {
        req.socket.destroy();
        return;
      }
      const forwarded = httpRequest({
        host: upstream.hostname, port: upstream.port, method: entry.method, path: entry.path, headers: req.headers,
      }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forwarded.on('error', () => res.destroy());
      forwarded.end(chunks.length ? Buffer.concat(chunks) : undefined);
    });
  });
  const url = await listen(server, '127.0.0.1', 0);
  return {
    url,
    requests,
    close: async () => {
      const closed = new Promise((r) => server.close(r));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * The at-most-once check of a change: for each VNFC whose coordination the EM answered with a
 * result (a 201 to the POST, or a 200 to a GET), the POSTs the EM received after that answer.
 * VNFCs without a result are not in the map.
 */
export function postsAfterResult(entries: RequestLogEntry[]): Map<string, number> {
  const coordinations = entries.filter((e) => e.vnfcInstanceId !== undefined && e.path.startsWith('/lcmcoord/'));
  const late = new Map<string, number>();
  for (const vnfc of new Set(coordinations.map((e) => e.vnfcInstanceId as string))) {
    const own = coordinations.filter((e) => e.vnfcInstanceId === vnfc);
    const answered = own.find((e) => (e.method === 'POST' && e.status === 201) || (e.method === 'GET' && e.status === 200));
    if (answered) late.set(vnfc, own.filter((e) => e.method === 'POST' && e.path.endsWith('/coordinations') && e.time > answered.time).length);
  }
  return late;
}
