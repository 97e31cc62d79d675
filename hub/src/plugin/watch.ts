/**
 * Following one Work for `kubectl work status -w`: a watch on its name from
 * the resourceVersion last seen (no polling: between changes only the watch
 * and its bookmarks are on the wire). It reconnects from that resourceVersion
 * when the server ends the stream (its timeout) and, with backoff, after a
 * failure; when the resourceVersion has expired (410) it reads the Work again
 * and watches from there. The Work it follows is the one with the uid it
 * started with: deleted, or deleted and re-created under the same name, it
 * is gone.
 */
import { WorkResource, type Work } from "@work-api/api";
import { Backoff, KubeApiError, isGone, isNotFound, sleep, type BackoffOptions, type KubeClient, type Status } from "@work-api/runtime";

export interface FollowOptions {
  client: KubeClient;
  /** The Work as last read: its namespace, name, uid and resourceVersion. */
  from: Work;
  /** Aborting ends the watch (the result is "interrupted"). */
  signal: AbortSignal;
  /** Every version of the Work seen after `from` (events, and re-reads after a 410). */
  onChange: (work: Work) => void;
  /** A failure it recovers from by reconnecting after `delayMs`. */
  onRetry?: (err: unknown, delayMs: number) => void;
  /** The first event after one or more onRetry. */
  onRecovered?: () => void;
  /** Server-side timeout of each watch request (default 5 to 10 minutes, at random). */
  timeoutSeconds?: number;
  /** Delays between reconnects after failures (default 200 ms, doubling, up to 5 s). */
  backoff?: BackoffOptions;
}

export type FollowEnd = { how: "deleted" } | { how: "interrupted" };

/** A failure no reconnect can mend: no permission, no Work API. */
export function isFatalWatchError(err: unknown): boolean {
  if (!(err instanceof KubeApiError)) return false;
  return err.statusCode === 401 || err.statusCode === 403 || (err.statusCode === 404 && (err.status.details?.name ?? "") === "");
}

/** An ERROR event as the error it stands for. */
function eventError(s: Status): KubeApiError {
  return new KubeApiError({ statusCode: typeof s.code === "number" ? s.code : 500, status: s });
}

function randomTimeout(): number {
  return 300 + Math.floor(Math.random() * 300);
}

/** Follows the Work until it is deleted or `signal` aborts. Throws only what {@link isFatalWatchError} says. */
export async function followWork(o: FollowOptions): Promise<FollowEnd> {
  const namespace = o.from.metadata.namespace ?? "";
  const name = o.from.metadata.name ?? "";
  const uid = o.from.metadata.uid;
  const sameWork = (w: Work): boolean => uid === undefined || w.metadata.uid === undefined || w.metadata.uid === uid;
  const backoff = new Backoff({ initialMs: 200, maxMs: 5_000, jitter: 0.2, ...o.backoff });
  let resourceVersion = o.from.metadata.resourceVersion ?? "";
  let failing = false;
  let reread = false;
  const recovered = (): void => {
    backoff.reset();
    if (failing) o.onRecovered?.();
    failing = false;
  };
  while (!o.signal.aborted) {
    try {
      if (reread) {
        let work: Work;
        try {
          work = await o.client.get<Work>(WorkResource, name, { namespace, signal: o.signal });
        } catch (err) {
          if (isNotFound(err) && !isFatalWatchError(err)) return { how: "deleted" };
          throw err;
        }
        if (!sameWork(work)) return { how: "deleted" };
        reread = false;
        resourceVersion = work.metadata.resourceVersion ?? "";
        recovered();
        o.onChange(work);
      }
      const events = o.client.watch<Work>(WorkResource, {
        namespace,
        fieldSelector: `metadata.name=${name}`,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: o.timeoutSeconds ?? randomTimeout(),
        signal: o.signal,
      });
      for await (const ev of events) {
        if (ev.type === "ERROR") {
          if (ev.object.code === 410) {
            reread = true;
            break;
          }
          throw eventError(ev.object);
        }
        recovered();
        resourceVersion = ev.object.metadata?.resourceVersion ?? resourceVersion;
        if (ev.type === "BOOKMARK") continue;
        if (ev.type === "DELETED" || !sameWork(ev.object)) return { how: "deleted" };
        o.onChange(ev.object);
      }
      // The server ended the stream (its timeout): go on from the last resourceVersion.
    } catch (err) {
      if (o.signal.aborted) break;
      if (isFatalWatchError(err)) throw err;
      if (isGone(err)) {
        reread = true;
        continue;
      }
      const delay = backoff.next();
      failing = true;
      o.onRetry?.(err, delay);
      await sleep(delay, o.signal, true);
    }
  }
  return { how: "interrupted" };
}
