// Watch: a chunked stream of `{"type": "ADDED|MODIFIED|DELETED", "object": …}` lines. Without a
// resourceVersion (or with "0") it starts with an ADDED per existing object; with one, it
// replays the changes since then, or answers an ERROR with a 410 Expired Status when they are
// no longer kept, which makes a client list again (as kubectl's informers do).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KubeObject } from './objects.ts';
import type { ResourceType } from './resources.ts';
import { matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { KubeStatusError } from './status.ts';
import { ObjectStore, type StoredEvent } from './store.ts';

export interface WatchRequest {
  store: ObjectStore;
  type: ResourceType;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
}

/** The API server's default bound on a watch (its --min-request-timeout is 30 min). */
const DEFAULT_TIMEOUT_S = 1800;

export function serveWatch(request: FastifyRequest, reply: FastifyReply, watch: WatchRequest): void {
  // Parsed before anything is sent, so a bad selector is still an ordinary 400.
  let labels: ReturnType<typeof parseLabelSelector>;
  let fields: ReturnType<typeof parseFieldSelector>;
  try {
    labels = parseLabelSelector(watch.labelSelector);
    fields = parseFieldSelector(watch.fieldSelector);
  } catch (err) {
    throw KubeStatusError.badRequest((err as Error).message);
  }
  const resource = ObjectStore.resourceKey(watch.type);
  const matches = (object: KubeObject) => (watch.namespace === undefined || object.metadata.namespace === watch.namespace)
    && matchesLabels(object.metadata.labels, labels) && fields(object);

  void reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  // The headers go at once, as the API server sends them: client-go waits for them before it can
  // stop a watch (kubectl rollout status would hang on a quiet one).
  res.flushHeaders();
  const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
  const onEvent = (event: StoredEvent) => {
    if (event.resource === resource && matches(event.object)) send(event.type, event.object);
  };

  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    subscription.unsubscribe?.();
    clearTimeout(timer);
    res.end();
  };
  const subscription: { unsubscribe?: () => void } = {};
  const timer = setTimeout(end, (watch.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000);
  request.raw.on('close', end);

  const from = watch.resourceVersion;
  if (from === undefined || from === '' || from === '0') {
    for (const object of watch.store.list(watch.type, watch.namespace)) if (matches(object)) send('ADDED', object);
  } else {
    const events = watch.store.eventsSince(Number(from));
    if (events === 'expired') {
      send('ERROR', new KubeStatusError(410, 'Expired', `too old resource version: ${from} (${watch.store.currentResourceVersion})`).toStatus());
      end();
      return;
    }
    for (const event of events) onEvent(event);
  }
  subscription.unsubscribe = watch.store.subscribe(onEvent);
}
