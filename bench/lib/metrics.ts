/**
 * Prometheus text scraping: the API servers' `apiserver_request_total`
 * (admin token over verified TLS) and the agent's own /metrics, with
 * before/after differences and the write/read split the report uses.
 */
import https from "node:https";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LABEL_RE = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text exposition format; only families whose name starts with one of `prefixes` (all when empty). */
export function parsePrometheus(text: string, prefixes: readonly string[] = []): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    if (prefixes.length > 0 && !prefixes.some((p) => line.startsWith(p))) continue;
    const brace = line.indexOf("{");
    const close = line.lastIndexOf("}");
    const name = brace < 0 ? line.slice(0, line.indexOf(" ")) : line.slice(0, brace);
    const labels: Record<string, string> = {};
    if (brace >= 0) for (const m of line.slice(brace + 1, close).matchAll(LABEL_RE)) labels[m[1]!] = m[2]!.replace(/\\(.)/g, "$1");
    const rest = line.slice((brace >= 0 ? close : name.length) + 1).trim().split(/\s+/);
    out.push({ name, labels, value: Number(rest[0]) });
  }
  return out;
}

export function sumSamples(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) if (s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  return total;
}

/** GET over https with a CA and a bearer token; resolves with the body. */
export function httpsGetText(url: string, caPem: string, token: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: caPem, headers: { Authorization: `Bearer ${token}`, Accept: "text/plain" }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`GET ${url}: HTTP ${res.statusCode}: ${body.slice(0, 300)}`));
        else resolve(body);
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on("error", reject);
  });
}

export async function httpGetText(url: string, timeoutMs = 10_000): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.text();
}

/** One API server, as far as scraping goes. */
export interface MetricsTarget {
  name: string;
  server: string;
  caPem: string;
  token: string;
}

/** `apiserver_request_total` summed over scope, component and dry_run, by {@link requestKey}. */
export type RequestCounts = Map<string, number>;

/** "VERB group/resource[/subresource]", with " [CODE]" appended for answers other than 2xx (e.g. 409 conflicts). */
export function requestKey(verb: string, group: string, resource: string, subresource: string, code = "200"): string {
  const r = resource === "" ? "(non-resource)" : `${group === "" ? "core" : group}/${resource}${subresource ? `/${subresource}` : ""}`;
  return `${verb} ${r}${code.startsWith("2") ? "" : ` [${code}]`}`;
}

export async function scrapeRequests(t: MetricsTarget): Promise<RequestCounts> {
  const text = await httpsGetText(`${t.server}/metrics`, t.caPem, t.token);
  const m: RequestCounts = new Map();
  for (const s of parsePrometheus(text, ["apiserver_request_total{"])) {
    const l = s.labels;
    const k = requestKey(l.verb ?? "", l.group ?? "", l.resource ?? "", l.subresource ?? "", l.code ?? "200");
    m.set(k, (m.get(k) ?? 0) + s.value);
  }
  return m;
}

export function diffCounts(before: RequestCounts, after: RequestCounts): RequestCounts {
  const d: RequestCounts = new Map();
  for (const [k, v] of after) {
    const x = v - (before.get(k) ?? 0);
    if (x !== 0) d.set(k, x);
  }
  return d;
}

/** `apiserver_request_total` verbs that change state (SSA is counted as APPLY). */
export const WRITE_VERBS = new Set(["POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"]);
export const READ_VERBS = new Set(["GET", "LIST"]);

export interface RequestSummary {
  total: number;
  /** Writes to anything but leases. */
  writes: number;
  /** Writes to coordination.k8s.io/leases (agent heartbeat, API server identity leases). */
  leaseWrites: number;
  /** GET and LIST (non-resource GETs such as /version included). */
  reads: number;
  /** Watches that ended in the window (long-running requests are counted when they end). */
  watches: number;
  /** Server-side applies. */
  applies: number;
  /** Every non-zero key, largest first. */
  byKey: Record<string, number>;
}

export function summarizeCounts(d: RequestCounts): RequestSummary {
  const s: RequestSummary = { total: 0, writes: 0, leaseWrites: 0, reads: 0, watches: 0, applies: 0, byKey: {} };
  for (const [k, v] of [...d].sort((a, b) => b[1] - a[1])) {
    const verb = k.slice(0, k.indexOf(" "));
    s.byKey[k] = v;
    s.total += v;
    if (WRITE_VERBS.has(verb)) {
      if (k.includes("coordination.k8s.io/leases")) s.leaseWrites += v;
      else s.writes += v;
    } else if (READ_VERBS.has(verb)) s.reads += v;
    else if (verb === "WATCH" || verb === "WATCHLIST") s.watches += v;
    if (verb === "APPLY") s.applies += v;
  }
  return s;
}

/** Subtracts requests the benchmark itself sent (known counts by key). */
export function subtract(d: RequestCounts, own: Record<string, number>): RequestCounts {
  const out = new Map(d);
  for (const [k, v] of Object.entries(own)) {
    const x = (out.get(k) ?? 0) - v;
    if (x === 0) out.delete(k);
    else out.set(k, x);
  }
  return out;
}

/** The agent's client-side counters: cluster ("hub" | "spoke" | "hub-lease") -> verb -> count. */
export type AgentRequestCounts = Record<string, Record<string, number>>;

export function agentRequests(samples: readonly Sample[]): AgentRequestCounts {
  const out: AgentRequestCounts = {};
  for (const s of samples) {
    if (s.name !== "work_agent_kube_requests_total") continue;
    const c = s.labels.cluster ?? "?";
    const v = s.labels.verb ?? "?";
    (out[c] ??= {})[v] = (out[c]?.[v] ?? 0) + s.value;
  }
  return out;
}

export function diffAgentRequests(before: AgentRequestCounts, after: AgentRequestCounts): AgentRequestCounts {
  const out: AgentRequestCounts = {};
  for (const [c, verbs] of Object.entries(after)) {
    for (const [v, n] of Object.entries(verbs)) {
      const x = n - (before[c]?.[v] ?? 0);
      if (x !== 0) (out[c] ??= {})[v] = x;
    }
  }
  return out;
}

const CLIENT_WRITES = ["POST", "PUT", "PATCH", "DELETE"];
export function agentTotals(d: AgentRequestCounts, cluster: string): { writes: number; reads: number; watches: number; total: number } {
  const v = d[cluster] ?? {};
  const writes = CLIENT_WRITES.reduce((a, k) => a + (v[k] ?? 0), 0);
  const reads = (v.GET ?? 0) + (v.LIST ?? 0);
  const watches = v.WATCH ?? 0;
  return { writes, reads, watches, total: writes + reads + watches };
}
