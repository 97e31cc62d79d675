/**
 * Decoding of the Kubernetes watch stream: one JSON object per line,
 * `{"type": "ADDED"|"MODIFIED"|"DELETED"|"BOOKMARK"|"ERROR", "object": {...}}`,
 * arriving in arbitrary chunks (a line, or a multi-byte character, may be
 * split across chunks).
 */
import { StringDecoder } from "node:string_decoder";
import type { KubeObject } from "@work-api/api";
import type { Status } from "./errors.js";
import type { ObjectLike } from "./paths.js";

/** Event types of a watch stream. */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** One watch event. For ERROR the object is a Status. */
export type WatchEvent<T extends ObjectLike = KubeObject> =
  | { type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK"; object: T }
  | { type: "ERROR"; object: Status };

const TYPES = new Set<string>(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]);

/** Raised for a line that is not a watch event. */
export class WatchDecodeError extends Error {
  override readonly name = "WatchDecodeError";
}

/** Parses one line of a watch stream. */
export function parseWatchLine<T extends ObjectLike = KubeObject>(line: string): WatchEvent<T> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new WatchDecodeError(`malformed watch event: ${line.slice(0, 200)}`, { cause: e });
  }
  if (v === null || typeof v !== "object") throw new WatchDecodeError(`watch event is not an object: ${line.slice(0, 200)}`);
  const ev = v as { type?: unknown; object?: unknown };
  if (typeof ev.type !== "string" || !TYPES.has(ev.type) || ev.object === null || typeof ev.object !== "object") {
    throw new WatchDecodeError(`unexpected watch event: ${line.slice(0, 200)}`);
  }
  return ev as WatchEvent<T>;
}

/** Incremental decoder: feed chunks, get complete events. */
export class WatchDecoder<T extends ObjectLike = KubeObject> {
  private readonly text = new StringDecoder("utf8");
  private buffered = "";

  /** Decodes the complete lines in `chunk` (plus what was buffered). */
  push(chunk: Buffer | string): WatchEvent<T>[] {
    this.buffered += typeof chunk === "string" ? chunk : this.text.write(chunk);
    const out: WatchEvent<T>[] = [];
    let i: number;
    while ((i = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, i).trim();
      this.buffered = this.buffered.slice(i + 1);
      if (line !== "") out.push(parseWatchLine<T>(line));
    }
    return out;
  }

  /** Flushes at end of stream: a final line without newline is decoded too. */
  end(): WatchEvent<T>[] {
    this.buffered += this.text.end();
    const line = this.buffered.trim();
    this.buffered = "";
    return line === "" ? [] : [parseWatchLine<T>(line)];
  }
}
