/**
 * The Grafana dashboard and the PrometheusRule cannot drift from the code:
 * every metric name their PromQL names (and every label it matches on) is
 * one the hub or the agent registers. The families are read from registries
 * built with the components' own code (Controller, KubeClient, agentMetrics,
 * hubMetrics, prom-client's defaults), as runAgent and startHub build theirs.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parser } from "@prometheus-io/lezer-promql";
import { parse, parseAllDocuments } from "yaml";
import { agentMetrics, countRequests, reachabilityGauge } from "@work-api/agent";
import { hubMetrics } from "@work-api/hub";
import { Controller, KubeClient, Registry } from "@work-api/runtime";

const dir = import.meta.dirname;

/** Families the code registers: series name -> its label names (histograms with their _bucket/_sum/_count series). */
function registered(): Map<string, Set<string>> {
  const reconcile = async (): Promise<void> => undefined;
  const agent = new Registry();
  new Controller({ name: "work", reconcile, registry: agent, concurrency: 8 });
  new KubeClient({ server: "https://127.0.0.1:6443", registry: agent }).close();
  countRequests(agent, {});
  reachabilityGauge(agent, "hub");
  reachabilityGauge(agent, "spoke");
  agentMetrics(agent, { works: () => [], appliedWorks: () => [], credentialsRejected: () => 0, idleRestarts: () => ({ hub: 0, spoke: 0 }) });
  agent.collectDefaultMetrics();
  const hub = new Registry();
  for (const name of ["registration", "credentials", "health", "placement"]) new Controller({ name, reconcile, registry: hub, concurrency: 4 });
  new KubeClient({ server: "https://127.0.0.1:6443", registry: hub }).close();
  hubMetrics(hub, { clusterManager: "work-api", defaultLeaseDurationMs: 40_000, caches: () => undefined });
  hub.collectDefaultMetrics();
  const out = new Map<string, Set<string>>();
  for (const r of [agent, hub]) {
    for (const m of r.prom.getMetricsAsArray() as unknown as { name: string; labelNames: string[]; type: string }[]) {
      const series = m.type === "histogram" ? [[`${m.name}_bucket`, "le"], [`${m.name}_sum`], [`${m.name}_count`]] : [[m.name]];
      for (const [name, ...extra] of series) {
        const labels = out.get(name!) ?? new Set<string>();
        for (const l of [...m.labelNames, ...extra]) labels.add(l);
        out.set(name!, labels);
      }
    }
  }
  return out;
}

/** Labels Prometheus adds to every scraped series (target labels of a PodMonitor). */
const TARGET_LABELS = new Set(["job", "instance", "pod", "namespace", "container", "endpoint", "service"]);

/** A metric name and the labels a selector of it matches on. */
interface Selector {
  metric: string;
  labels: string[];
}

/**
 * The vector selectors of a PromQL expression, parsed with Prometheus' own grammar (lezer-promql);
 * a syntax error throws. Grafana's range variables stand for a duration, and a variable query
 * label_values(SELECTOR, label) for its selector.
 */
function selectors(expr: string): Selector[] {
  const e = expr.replace(/^\s*label_values\(\s*(.+),\s*\w+\s*\)\s*$/s, "$1").replace(/\$__(rate_interval|interval|range)\b/g, "5m");
  const tree = parser.parse(e);
  const out: Selector[] = [];
  const errors: number[] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) errors.push(ref.from);
      if (ref.name !== "VectorSelector") return;
      const id = ref.node.getChild("Identifier");
      const matchers = ref.node.getChild("LabelMatchers");
      const labels = matchers === null ? [] : [...matchers.getChildren("UnquotedLabelMatcher"), ...matchers.getChildren("QuotedLabelMatcher")].map((m) => m.getChild("LabelName")).filter((n) => n !== null);
      out.push({ metric: id === null ? "" : e.slice(id.from, id.to), labels: labels.map((n) => e.slice(n.from, n.to)) });
    },
  });
  if (errors.length > 0) throw new Error(`PromQL syntax error at ${errors[0]} in ${expr}`);
  return out;
}

/** What in `exprs` the code does not register: unknown metrics, and labels a family does not have. */
function unknown(exprs: readonly string[], families: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  for (const expr of exprs) {
    for (const s of selectors(expr)) {
      const labels = families.get(s.metric);
      if (labels === undefined) problems.push(`${s.metric} (in ${expr})`);
      else for (const l of s.labels) if (!labels.has(l) && !TARGET_LABELS.has(l)) problems.push(`${s.metric}{${l}} (in ${expr})`);
    }
  }
  return problems;
}

interface RuleDoc {
  apiVersion: string;
  kind: string;
  metadata: { namespace?: string };
  spec: { groups: { rules: { alert: string; expr: string; for?: string; annotations?: { summary?: string } }[] }[] };
}
/** The hub's rules (on the hub) and the agents' (on each spoke). */
const RULE_FILES = ["hub/prometheusrule.yaml", "spoke/prometheusrule.yaml"];
const ruleDoc = (f: string): RuleDoc => parse(readFileSync(`${dir}/${f}`, "utf8")) as RuleDoc;

function ruleExprs(): string[] {
  return RULE_FILES.flatMap((f) => {
    const doc = ruleDoc(f);
    expect(doc.kind).toBe("PrometheusRule");
    return doc.spec.groups.flatMap((g) => g.rules.map((r) => r.expr));
  });
}

function dashboardExprs(): string[] {
  const d = JSON.parse(readFileSync(`${dir}/hub/work-api-dashboard.json`, "utf8")) as {
    panels: { type: string; targets?: { expr: string }[] }[];
    templating: { list: { type: string; query?: { query: string } | string }[] };
  };
  const panels = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const vars = d.templating.list.filter((v) => v.type === "query").map((v) => (typeof v.query === "string" ? v.query : (v.query?.query ?? "")));
  return [...panels, ...vars];
}

describe("deploy/monitoring", () => {
  const families = registered();

  it("finds the selectors of PromQL (Prometheus' grammar), not functions, keywords, variables or grouping labels", () => {
    expect(selectors('sum by (le, controller) (rate(x_bucket{job=~"$job", a!="b"}[$__rate_interval])) > 0 and on (pod) y offset 5m')).toEqual([
      { metric: "x_bucket", labels: ["job", "a"] },
      { metric: "y", labels: [] },
    ]);
    expect(selectors("label_values(work_hub_leader, job)")).toEqual([{ metric: "work_hub_leader", labels: [] }]);
    expect(selectors('histogram_quantile(0.99, m{code=~"2.."}) * 1e3')).toEqual([{ metric: "m", labels: ["code"] }]);
    expect(() => selectors("rate(foo[5m]")).toThrow(/syntax error/);
  });

  it("the check fails for a name or a label the code does not register", () => {
    expect(unknown(['max(work_agent_works{condition="Applied"})'], families)).toEqual([]);
    expect(unknown(['max(work_agent_workz{condition="Applied"})'], families)).toEqual(['work_agent_workz (in max(work_agent_workz{condition="Applied"}))']);
    expect(unknown(['max(work_agent_works{state="Applied"})'], families)).toHaveLength(1);
    expect(unknown(["rate(controller_runtime_reconcile_time_seconds[5m])"], families)).toHaveLength(1);
  });

  it("the PrometheusRule names only registered metrics and labels, and has the alerts the runbook needs", () => {
    const exprs = ruleExprs();
    expect(unknown(exprs, families)).toEqual([]);
    for (const f of RULE_FILES) expect(ruleDoc(f).apiVersion, f).toBe("monitoring.coreos.com/v1");
    const alerts = RULE_FILES.flatMap((f) => ruleDoc(f).spec.groups.flatMap((g) => g.rules));
    // The hub's rules read only the hub's series, the agents' only the agents' (each goes where those are scraped).
    for (const r of ruleDoc("hub/prometheusrule.yaml").spec.groups.flatMap((g) => g.rules)) expect(r.expr, r.alert).not.toMatch(/work_agent_/);
    for (const r of ruleDoc("spoke/prometheusrule.yaml").spec.groups.flatMap((g) => g.rules)) {
      expect(r.expr, r.alert).not.toMatch(/work_hub_/);
      // Every agent runs in namespace work-agent: an agent alert names its cluster through work_agent_info.
      expect(r.expr, r.alert).toMatch(/group_left \(cluster_name[^)]*\) work_agent_info/);
      expect(r.annotations?.summary, r.alert).toContain("{{ $labels.cluster_name }}");
    }
    expect(alerts.map((a) => a.alert)).toEqual(expect.arrayContaining(["WorkAgentNotReporting", "WorkFailing", "WorkEvictionPending"]));
    for (const a of alerts) {
      expect(a.for, a.alert).toMatch(/^\d+m$/);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
    }
  });

  it("each kustomization (hub, spoke) puts everything in the one namespace that exists on its cluster", () => {
    for (const [k, ns] of [["hub", "fleet-system"], ["spoke", "work-agent"]] as const) {
      const kust = parse(readFileSync(`${dir}/${k}/kustomization.yaml`, "utf8")) as { resources: string[]; configMapGenerator?: { namespace?: string; files: string[] }[] };
      for (const r of kust.resources) {
        expect(r, `${k}: ${r} inside the kustomization's directory (kustomize's load restrictor)`).not.toMatch(/\.\./);
        for (const doc of parseAllDocuments(readFileSync(`${dir}/${k}/${r}`, "utf8"))) expect((doc.toJS() as { metadata: { namespace?: string } }).metadata.namespace, `${k}/${r}`).toBe(ns);
      }
      for (const g of kust.configMapGenerator ?? []) expect(g.namespace, `${k} configMapGenerator`).toBe(ns);
    }
  });

  it("the Grafana dashboard is valid JSON naming only registered metrics and labels, with the panels it promises", () => {
    const exprs = dashboardExprs();
    expect(unknown(exprs, families)).toEqual([]);
    const all = exprs.join("\n");
    for (const m of [
      "controller_runtime_reconcile_total",
      "controller_runtime_reconcile_errors_total",
      "controller_runtime_reconcile_time_seconds_bucket",
      "workqueue_depth",
      "rest_client_requests_total",
      "work_agent_manifests_total",
      "work_agent_works",
      "work_agent_evictions_pending",
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_p99_seconds",
    ]) {
      expect(all, m).toContain(m);
    }
  });
});
