/**
 * Option and result types of {@link KubeClient} calls.
 */
import type { RequestOptions, TransportOptions } from "./transport.js";

/** Client options: everything of {@link TransportOptions} but the server and auth. */
export type KubeClientOptions = Omit<TransportOptions, "server" | "auth">;

/** Common options of single-object calls. */
export interface ObjectCallOptions {
  /** Namespace; for create/update/apply it defaults to `metadata.namespace`. */
  namespace?: string;
  signal?: AbortSignal;
  /** Overrides the client's request timeout for this call. */
  timeoutMs?: number;
}

/** Options of writes. */
export interface WriteOptions extends ObjectCallOptions {
  /** Server-side dry run (`dryRun=All`). */
  dryRun?: boolean;
  /** Manager recorded in managedFields. */
  fieldManager?: string;
  /** How the server treats unknown or duplicate fields. Server default when omitted. */
  fieldValidation?: "Strict" | "Warn" | "Ignore";
}

/** Options of {@link KubeClient.list}. */
export interface ListOptions {
  /** Namespace; all namespaces when omitted (namespaced resources). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; the server returns a `continue` token when more remain. */
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
  signal?: AbortSignal;
}

/** A page of a list. */
export interface ListResult<T> {
  items: T[];
  /** The list's resourceVersion: start a watch from here. */
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Options of {@link KubeClient.watch}. */
export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this version; "" or omitted = from "now" (with synthetic ADDED events of existing objects). */
  resourceVersion?: string;
  /** Ask for BOOKMARK events (default true). */
  allowWatchBookmarks?: boolean;
  /** Server-side timeout after which the stream ends normally. */
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
  resourceVersionMatch?: "NotOlderThan";
  /** Aborting ends the iteration quietly (no error). */
  signal?: AbortSignal;
}

/** Patch flavours of {@link KubeClient.patch}. */
export type PatchType = "merge" | "json" | "strategic";


/** Options of {@link KubeClient.patch}. */
export interface PatchOptions extends WriteOptions {
  /** Default "merge". */
  type?: PatchType;
  subresource?: string;
}

/** Options of {@link KubeClient.apply} (server-side apply). */
export interface ApplyOptions extends ObjectCallOptions {
  /** Required: the field manager owning the applied fields. */
  fieldManager: string;
  /** Required and explicit: take ownership of fields other managers own (conflicts otherwise 409). */
  force: boolean;
  /** Default "Strict": unknown fields are rejected. */
  fieldValidation?: "Strict" | "Warn" | "Ignore";
  dryRun?: boolean;
  /** Called with the HTTP status of the answer: 201 when the apply created the object, 200 otherwise. */
  onStatus?: (code: number) => void;
  /** e.g. "status" to apply the status subresource. */
  subresource?: string;
}

/** Options of {@link KubeClient.delete}. */
export interface DeleteOptions extends ObjectCallOptions {
  /** Delete only if the object still has this uid / resourceVersion (409 otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

/** Options of {@link KubeClient.request}. */
export interface RawRequestOptions extends RequestOptions {
  /** Return the raw response stream (see {@link Transport.stream}). */
  stream?: boolean;
}
