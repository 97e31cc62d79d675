/**
 * The Helm charts (deploy/charts/work-hub, deploy/charts/work-agent): helm, built from the Go
 * module proxy and cached (scripts/build-helm.sh), lints and renders them with their default and
 * their ci/ values; what they render with default values is the same as what the other install
 * paths produce (`kubectl kustomize deploy/hub`, `work-hub join`: every object, its RBAC rules,
 * admission policies and Deployment, only labels may differ), so a change to one without the other
 * fails here; invalid values fail rendering with a message naming the value; and the API servers of
 * the shared plane accept the rendered manifests (`kubectl apply --dry-run=server`, strict field
 * validation): the work-hub chart on the hub, the work-agent chart on a spoke.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { KubernetesObject } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { buildAgentKubeconfig, joinManifests } from "@work-api/hub";
import { clients, hubKubeconfig, kubectl, kubectlOk, spokeKubeconfig, testNamespace } from "./env.js";

const REPO = resolve(import.meta.dirname, "../..");
const CHARTS = join(REPO, "deploy/charts");
const HUB_CHART = join(CHARTS, "work-hub");
const AGENT_CHART = join(CHARTS, "work-agent");
/** The CRDs each chart carries (the rest of crds/ is the other side's). */
const HUB_CRDS = ["multicluster.x-k8s.io_clusterprofiles.yaml", "multicluster.x-k8s.io_placementdecisions.yaml", "multicluster.x-k8s.io_workplacements.yaml", "multicluster.x-k8s.io_works.yaml"];
const AGENT_CRDS = ["about.k8s.io_clusterproperties.yaml", "multicluster.x-k8s.io_appliedworks.yaml"];
const EXECUTOR_MODES = ["default", "cluster-admin", "none"] as const;

const hubNs = testNamespace("helm-hub");
const spokeNs = testNamespace("helm-agent", { on: ["spoke1"] });
const tmp = mkdtempSync(join(tmpdir(), "helm-charts-"));
let helmBin = "";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    execFile(cmd, args, { cwd: REPO, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code === "string") reject(new Error(`cannot run ${cmd}: ${err.message}`, { cause: err }));
      else resolvePromise({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

function helm(args: readonly string[]): Promise<Run> {
  return run(helmBin, args);
}

/** `helm template` of a chart into a namespace; throws with helm's message when it fails. */
async function template(chart: string, namespace: string, args: readonly string[] = []): Promise<string> {
  const r = await helm(["template", "rel", chart, "--namespace", namespace, ...args]);
  if (r.code !== 0) throw new Error(`helm template ${chart} ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

function docs(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null && typeof o === "object");
}

function key(o: KubernetesObject): string {
  return `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;
}

function byKey(objs: readonly KubernetesObject[]): Map<string, KubernetesObject> {
  const m = new Map<string, KubernetesObject>();
  for (const o of objs) {
    expect(m.has(key(o)), `${key(o)} rendered twice`).toBe(false);
    m.set(key(o), o);
  }
  return m;
}

/** An object without its labels and annotations (the pod template's too): what must be equal. */
function content(o: KubernetesObject): unknown {
  const c = structuredClone(o) as KubernetesObject & { spec?: { template?: { metadata?: Record<string, unknown> } } };
  delete c.metadata?.labels;
  delete c.metadata?.annotations;
  if (c.spec?.template?.metadata) {
    delete c.spec.template.metadata.labels;
    delete c.spec.template.metadata.annotations;
  }
  return c;
}

function podLabels(o: KubernetesObject): Record<string, string> {
  return (o as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }).spec?.template?.metadata?.labels ?? {};
}

/**
 * Every object of `reference` is rendered by the chart, equal but for labels and annotations, and
 * the chart renders nothing else; the chart's labels include the reference's (but its managed-by,
 * which is Helm's). The comparison that catches drift of rules, policies and Deployments.
 */
function expectSameObjects(chart: readonly KubernetesObject[], reference: readonly KubernetesObject[], what: string): void {
  const got = byKey(chart);
  const want = byKey(reference);
  expect([...got.keys()].sort(), `objects of the chart vs ${what}`).toEqual([...want.keys()].sort());
  const withoutManagedBy = (l: Record<string, string> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(l ?? {}).filter(([k]) => k !== "app.kubernetes.io/managed-by"));
  for (const [k, ref] of want) {
    const mine = got.get(k)!;
    expect(content(mine), `${k}: the chart's differs from ${what}`).toEqual(content(ref));
    expect(mine.metadata?.labels ?? {}, `${k}: labels`).toMatchObject(withoutManagedBy(ref.metadata?.labels));
    expect(podLabels(mine), `${k}: pod template labels`).toMatchObject(withoutManagedBy(podLabels(ref)));
  }
}

/**
 * The objects of a kustomization: the files of its resources, parsed (directories recursively).
 * Only plain resource lists are read, so a transformer added to one (labels, a prefix) fails here
 * rather than being ignored.
 */
function kustomization(dir: string): KubernetesObject[] {
  const k = parse(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as Record<string, unknown>;
  expect(Object.keys(k).sort(), `${dir}/kustomization.yaml has only resources`).toEqual(["apiVersion", "kind", "resources"]);
  return (k.resources as string[]).flatMap((r) => {
    const path = resolve(dir, r);
    return r.endsWith(".yaml") ? docs(readFileSync(path, "utf8")) : kustomization(path);
  });
}

function rulesOf(objs: readonly KubernetesObject[], kind: string, name: string): unknown {
  const o = objs.find((x) => x.kind === kind && x.metadata?.name === name) as { rules?: unknown } | undefined;
  expect(o, `${kind} ${name}`).toBeDefined();
  return o?.rules;
}

/** `kubectl apply --dry-run=server` of a rendered stream; every object must be accepted. */
async function dryRun(kubeconfig: string, rendered: string): Promise<Run> {
  return kubectl(kubeconfig, ["apply", "--dry-run=server", "-f", "-"], { input: rendered, timeoutMs: 120_000 });
}

async function expectAccepted(kubeconfig: string, rendered: string): Promise<void> {
  const objs = docs(rendered);
  const r = await dryRun(kubeconfig, rendered);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split("\n");
  expect(lines).toHaveLength(objs.length);
  for (const line of lines) expect(line).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
}

beforeAll(async () => {
  // A cold build of helm takes a couple of minutes; later runs find it in the cache.
  const r = await run("bash", [join(REPO, "scripts/build-helm.sh")], 600_000);
  expect(r.code, r.stderr).toBe(0);
  helmBin = r.stdout.trim().split("\n").at(-1) ?? "";
  const v = await helm(["version", "--short"]);
  expect(v.stdout).toMatch(/^v3\.\d+\.\d+/);
}, 620_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("helm lint and helm template", () => {
  for (const chart of [HUB_CHART, AGENT_CHART]) {
    const name = chart.split("/").at(-1)!;
    it(`${name}: lints (--strict) and renders with default and ci/ values`, async () => {
      for (const values of [[], ["-f", join(chart, "ci/custom-values.yaml")]]) {
        const lint = await helm(["lint", "--strict", chart, ...values]);
        expect(lint.code, lint.stdout + lint.stderr).toBe(0);
        expect(lint.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
        expect(docs(await template(chart, "ns1", values)).length).toBeGreaterThan(5);
      }
    });
  }

  it("every value of values.yaml is in values.schema.json and README.md, with a comment", () => {
    for (const chart of [HUB_CHART, AGENT_CHART]) {
      const schema = JSON.parse(readFileSync(join(chart, "values.schema.json"), "utf8")) as { properties: Record<string, { properties?: Record<string, unknown> }> };
      const readme = readFileSync(join(chart, "README.md"), "utf8");
      const values = parse(readFileSync(join(chart, "values.yaml"), "utf8")) as Record<string, unknown>;
      const lines = readFileSync(join(chart, "values.yaml"), "utf8").split("\n");
      const keys: string[] = [];
      for (const [k, v] of Object.entries(values)) {
        expect(schema.properties[k], `${chart}: ${k} in the schema`).toBeDefined();
        const nested = v !== null && typeof v === "object" && !Array.isArray(v) && schema.properties[k]?.properties;
        if (nested) {
          for (const sub of Object.keys(v)) {
            expect(nested[sub], `${chart}: ${k}.${sub} in the schema`).toBeDefined();
            keys.push(`${k}.${sub}`);
          }
        } else keys.push(k);
      }
      for (const k of keys) expect(readme, `${chart}: README.md lists ${k}`).toContain(`\`${k}\``);
      // Every value's line in values.yaml has a comment above it starting "# --" (its meaning and default).
      let top = "";
      lines.forEach((line, i) => {
        const m = /^( *)([A-Za-z][\w.-]*):/.exec(line);
        if (!m) return;
        if (m[1] === "") top = m[2]!;
        const path = m[1] === "" ? m[2]! : m[1] === "  " ? `${top}.${m[2]}` : "";
        if (!keys.includes(path)) return;
        let j = i - 1;
        const comment: string[] = [];
        while (j >= 0 && /^\s*#/.test(lines[j]!)) comment.unshift(lines[j--]!.trim());
        expect(comment[0] ?? "", `${chart}/values.yaml:${i + 1}: ${path} has no "# --" comment above it`).toMatch(/^# -- /);
      });
    }
  });
});

describe("the charts render what the other install paths do (drift)", () => {
  it("the charts' CRDs are copies of crds/", () => {
    for (const [chart, files] of [
      [HUB_CHART, HUB_CRDS],
      [AGENT_CHART, AGENT_CRDS],
    ] as const) {
      expect(readdirSync(join(chart, "files/crds")).sort()).toEqual(files);
      for (const f of files) {
        expect(readFileSync(join(chart, "files/crds", f), "utf8"), `${f}: cp crds/${f} ${chart}/files/crds/`).toBe(readFileSync(join(REPO, "crds", f), "utf8"));
      }
    }
  });

  it("work-hub with default values = kubectl apply -k deploy/hub (but the spoke-side CRDs), hubUrl aside", async () => {
    const kustomized = kustomization(join(REPO, "deploy/hub"));
    // The same objects as `kubectl kustomize` builds (which re-serialises the YAML; folded CEL
    // expressions then differ in whitespace, so the contents are compared with the files parsed here).
    const built = docs(await kubectlOk(hubKubeconfig(), ["kustomize", join(REPO, "deploy/hub")]));
    expect([...byKey(kustomized).keys()].sort()).toEqual([...byKey(built).keys()].sort());
    const spokeCrds = new Set(["appliedworks.multicluster.x-k8s.io", "clusterproperties.about.k8s.io"]);
    const reference = kustomized.filter((o) => !(o.kind === "CustomResourceDefinition" && spokeCrds.has(o.metadata?.name ?? "")));
    expect(reference.length).toBe(kustomized.length - 2);
    // deploy/hub's Deployment names an example hub URL and the namespace fleet-system, which the chart does not invent.
    const chart = docs(await template(HUB_CHART, "fleet-system", ["--set", "hubUrl=https://hub.example.com:6443", "--set", "namespace.create=true"]));
    expectSameObjects(chart, reference, "deploy/hub");
    // Spelled out for the RBAC, whose drift matters most (also covered above).
    const rbac = docs(readFileSync(join(REPO, "deploy/hub/rbac.yaml"), "utf8"));
    for (const [kind, name] of [
      ["ClusterRole", "work-hub"],
      ["Role", "work-hub"],
      ["ClusterRole", "work-hub-cluster-namespace"],
    ] as const) {
      expect(rulesOf(chart, kind, name), `${kind} ${name} rules vs deploy/hub/rbac.yaml`).toEqual(rulesOf(rbac, kind, name));
    }
    // The CRDs survive helm uninstall by default.
    for (const crd of chart.filter((o) => o.kind === "CustomResourceDefinition")) expect(crd.metadata?.annotations?.["helm.sh/resource-policy"]).toBe("keep");
  });

  it("work-hub with default values: no --hub-url (the hub's own), leader election on, the release namespace as inventory", async () => {
    const chart = docs(await template(HUB_CHART, "inv-a"));
    const args = (chart.find((o) => o.kind === "Deployment") as { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template.spec.containers[0]!.args;
    expect(args).toEqual(["--inventory-namespace=inv-a", "--cluster-manager-name=work-api", "--health-addr=:8081", "--metrics-addr=:8080", "--leader-elect=true"]);
    expect(chart.some((o) => o.kind === "Namespace")).toBe(false);
    // One replica without leader election; two replicas force it on.
    const single = await template(HUB_CHART, "inv-a", ["--set", "replicas=1", "--set", "leaderElection.enabled=false"]);
    expect(single).toContain("--leader-elect=false");
    const forced = await template(HUB_CHART, "inv-a", ["--set", "replicas=2", "--set", "leaderElection.enabled=false"]);
    expect(forced).toContain("--leader-elect=true");
  });

  for (const mode of EXECUTOR_MODES) {
    it(`work-agent with executor.rbac=${mode} = work-hub join --executor-rbac ${mode}`, async () => {
      const kubeconfig = buildAgentKubeconfig({ server: "https://hub.example.com:6443", caPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", token: "t0ken", clusterName: "c1", namespace: "c1" });
      const file = join(tmp, `kubeconfig-${mode}`);
      writeFileSync(file, kubeconfig);
      const joined = joinManifests({ clusterName: "c1", kubeconfig, agentNamespace: "work-agent", image: "work-agent:0.1.0", executorRbac: mode }) as KubernetesObject[];
      const chart = docs(
        await template(AGENT_CHART, "work-agent", ["--set", "clusterName=c1", "--set", `executor.rbac=${mode}`, "--set", "namespace.create=true", "--set-file", `hubKubeconfig.kubeconfig=${file}`]),
      );
      expectSameObjects(chart, joined, `join --executor-rbac ${mode}`);
      for (const [kind, name] of [
        ["ClusterRole", "work-agent"],
        ["Role", "work-agent"],
        ["ClusterRole", "work-executor-workloads"],
      ] as const) {
        expect(rulesOf(chart, kind, name), `${kind} ${name} rules vs join`).toEqual(rulesOf(joined, kind, name));
      }
    });
  }

  it("work-agent with default values: join's objects but the Namespace and the Secret, and no cluster name (the ClusterProperty's)", async () => {
    const chart = docs(await template(AGENT_CHART, "work-agent"));
    const joined = (joinManifests({ clusterName: "c1", kubeconfig: "x", agentNamespace: "work-agent", image: "work-agent:0.1.0" }) as KubernetesObject[]).filter(
      (o) => o.kind !== "Namespace" && o.kind !== "Secret",
    );
    expect([...byKey(chart).keys()].sort()).toEqual([...byKey(joined).keys()].sort());
    for (const kind of ["ClusterRole", "Role"]) {
      for (const o of joined.filter((x) => x.kind === kind)) expect(rulesOf(chart, kind, o.metadata!.name!), `${kind} ${o.metadata!.name}`).toEqual(rulesOf(joined, kind, o.metadata!.name!));
    }
    const args = (chart.find((o) => o.kind === "Deployment") as { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template.spec.containers[0]!.args;
    expect(args).toEqual([
      "--hub-kubeconfig=/var/run/secrets/work-agent/hub/kubeconfig",
      "--hub-kubeconfig-secret=work-agent/work-agent-hub-kubeconfig",
      "--leader-elect=true",
      "--default-executor=work-agent/work-executor",
      "--health-addr=:8081",
      "--metrics-addr=:8080",
    ]);
  });

  it("work-agent builds from hub server, CA and token the kubeconfig the hub mints", async () => {
    const caPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const rendered = docs(
      await template(AGENT_CHART, "work-agent", [
        "--set",
        "clusterName=c1",
        "--set",
        "hubKubeconfig.server=https://hub.example.com:6443",
        "--set",
        `hubKubeconfig.caData=${Buffer.from(caPem).toString("base64")}`,
        "--set",
        "hubKubeconfig.token=t0ken",
      ]),
    );
    const secret = rendered.find((o) => o.kind === "Secret") as { data: Record<string, string> } | undefined;
    expect(secret).toBeDefined();
    const text = Buffer.from(secret!.data.kubeconfig!, "base64").toString("utf8");
    expect(parse(text)).toEqual(parse(buildAgentKubeconfig({ server: "https://hub.example.com:6443", caPem, token: "t0ken", clusterName: "c1", namespace: "c1" })));
  });

  it("work-agent keeps on upgrade the rotated kubeconfig the agent wrote back (lookup on a real server), unless overwrite", async () => {
    const rotated = "rotated by the agent";
    await clients(spokeKubeconfig(1)).core.createNamespacedSecret({
      namespace: spokeNs,
      body: { metadata: { name: "work-agent-hub-kubeconfig" }, data: { kubeconfig: Buffer.from(rotated).toString("base64") } },
    });
    const file = join(tmp, "initial");
    writeFileSync(file, "initial kubeconfig");
    const secretText = async (extra: string[]): Promise<string> => {
      const objs = docs(await template(AGENT_CHART, spokeNs, ["--dry-run=server", "--kubeconfig", spokeKubeconfig(1), "--set-file", `hubKubeconfig.kubeconfig=${file}`, ...extra]));
      const s = objs.find((o) => o.kind === "Secret") as { data: Record<string, string> };
      return Buffer.from(s.data.kubeconfig!, "base64").toString("utf8");
    };
    expect(await secretText([])).toBe(rotated);
    expect(await secretText(["--set", "hubKubeconfig.overwrite=true"])).toBe("initial kubeconfig");
    // Offline (no lookup) the values' kubeconfig is rendered.
    const offline = docs(await template(AGENT_CHART, spokeNs, ["--set-file", `hubKubeconfig.kubeconfig=${file}`])).find((o) => o.kind === "Secret") as { data: Record<string, string> };
    expect(Buffer.from(offline.data.kubeconfig!, "base64").toString("utf8")).toBe("initial kubeconfig");
  });
});

interface RenderedPod {
  replicas?: number;
  template: {
    metadata: { annotations?: Record<string, string>; labels?: Record<string, string> };
    spec: {
      serviceAccountName?: string;
      imagePullSecrets?: { name: string }[];
      nodeSelector?: Record<string, string>;
      tolerations?: unknown[];
      affinity?: unknown;
      volumes?: { name: string }[];
      containers: { image: string; imagePullPolicy?: string; args: string[]; env?: { name: string; value?: string }[]; resources?: unknown; ports?: { name: string; containerPort: number }[]; volumeMounts?: { name: string; mountPath: string }[] }[];
    };
  };
}

/** The Deployment of a rendered chart, and the ci/ values it was rendered with. */
async function renderedWithCiValues(chart: string, namespace: string): Promise<{ spec: RenderedPod; values: Record<string, unknown>; all: KubernetesObject[] }> {
  const file = join(chart, "ci/custom-values.yaml");
  const all = docs(await template(chart, namespace, ["-f", file]));
  const dep = all.find((o) => o.kind === "Deployment") as unknown as { spec: RenderedPod } | undefined;
  expect(dep, "a Deployment").toBeDefined();
  return { spec: dep!.spec, values: parse(readFileSync(file, "utf8")) as Record<string, unknown>, all };
}

describe("the values reach the rendered objects (ci/custom-values.yaml)", () => {
  for (const [name, chart] of [["work-hub", HUB_CHART], ["work-agent", AGENT_CHART]] as const) {
    it(`${name}: image, pull policy and secrets, replicas, resources, ports, extra args, env and volumes, scheduling, pod metadata`, async () => {
      const { spec, values: v } = await renderedWithCiValues(chart, `${name}-ns`);
      const image = v.image as { repository: string; tag: string; pullPolicy: string };
      const c = spec.template.spec.containers[0]!;
      expect(c.image).toBe(`${image.repository}:${image.tag}`);
      expect(c.imagePullPolicy).toBe(image.pullPolicy);
      expect(spec.template.spec.imagePullSecrets).toEqual(v.imagePullSecrets);
      expect(spec.replicas).toBe(v.replicas);
      expect(c.resources).toEqual(v.resources);
      const ports = v.ports as { health: number; metrics: number };
      expect(c.args).toContain(`--health-addr=:${ports.health}`);
      expect(c.args).toContain(`--metrics-addr=:${ports.metrics}`);
      expect(c.ports).toEqual(expect.arrayContaining([expect.objectContaining({ containerPort: ports.metrics }), expect.objectContaining({ containerPort: ports.health })]));
      // Extra args come last, after the chart's own, so they can override them.
      const extra = v.extraArgs as string[];
      expect(c.args.slice(-extra.length)).toEqual(extra);
      expect(c.args).toContain("--leader-elect=false");
      for (const e of v.extraEnv as { name: string; value: string }[]) expect(c.env).toContainEqual(e);
      for (const m of v.extraVolumeMounts as { name: string; mountPath: string }[]) expect(c.volumeMounts).toContainEqual(m);
      for (const vol of v.extraVolumes as { name: string }[]) expect(spec.template.spec.volumes).toContainEqual(vol);
      expect(spec.template.spec.nodeSelector).toEqual(v.nodeSelector);
      expect(spec.template.spec.tolerations).toEqual(v.tolerations);
      expect(spec.template.spec.affinity).toEqual(v.affinity);
      expect(spec.template.metadata.annotations).toMatchObject(v.podAnnotations as Record<string, string>);
      expect(spec.template.metadata.labels).toMatchObject(v.podLabels as Record<string, string>);
    });
  }

  it("work-hub: hub URL, hub CA, cluster manager name, the release namespace as inventory, no admission policies when off", async () => {
    const { spec, values: v, all } = await renderedWithCiValues(HUB_CHART, "inv-ci");
    const args = spec.template.spec.containers[0]!.args;
    expect(args).toContain(`--hub-url=${v.hubUrl as string}`);
    expect(args).toContain("--inventory-namespace=inv-ci");
    expect(args).toContain(`--cluster-manager-name=${v.clusterManagerName as string}`);
    expect(args.some((a) => a.startsWith("--hub-ca-file="))).toBe(true);
    const ca = all.find((o) => o.kind === "ConfigMap") as unknown as { data: Record<string, string> } | undefined;
    expect(Object.values(ca?.data ?? {})).toContain(v.hubCA);
    expect(all.some((o) => o.kind === "ValidatingAdmissionPolicy")).toBe(false);
    expect(all.some((o) => o.kind === "CustomResourceDefinition")).toBe(false);
    expect(all.find((o) => o.kind === "Namespace")?.metadata?.labels).toMatchObject({ "multicluster.x-k8s.io/clusterset": "fleet-a" });
  });

  it("work-agent: cluster name, hub namespace, the hub kubeconfig Secret by name, the executor mode, CRDs when asked", async () => {
    const { spec, values: v, all } = await renderedWithCiValues(AGENT_CHART, "work-agent");
    const args = spec.template.spec.containers[0]!.args;
    const hk = v.hubKubeconfig as { secretName: string; server: string };
    expect(args).toContain(`--cluster-name=${v.clusterName as string}`);
    expect(args).toContain(`--hub-namespace=${v.hubNamespace as string}`);
    expect(args).toContain(`--hub-kubeconfig-secret=work-agent/${hk.secretName}`);
    const secret = all.find((o) => o.kind === "Secret" && o.metadata?.name === hk.secretName) as unknown as { stringData?: Record<string, string>; data?: Record<string, string> } | undefined;
    expect(secret, `Secret ${hk.secretName}`).toBeDefined();
    const kubeconfig = secret!.stringData?.kubeconfig ?? Buffer.from(secret!.data?.kubeconfig ?? "", "base64").toString();
    expect(kubeconfig).toContain(hk.server);
    expect(all.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata?.name).sort()).toEqual(["appliedworks.multicluster.x-k8s.io", "clusterproperties.about.k8s.io"]);
    // executor.rbac=cluster-admin: the executor's workload piece grants everything (one binding in every mode, as join).
    expect(v.executor).toEqual({ rbac: "cluster-admin" });
    expect(rulesOf(all, "ClusterRole", "work-executor-workloads")).toEqual([
      { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
      { nonResourceURLs: ["*"], verbs: ["*"] },
    ]);
  });
});

describe("invalid values fail rendering with a message", () => {
  const cases: [string, string, string[], RegExp][] = [
    ["work-agent", AGENT_CHART, ["-f", join(CHARTS, "testdata/work-agent-invalid-executor-rbac.yaml")], /at '\/executor\/rbac': value must be one of 'default', 'cluster-admin', 'none'/],
    // The template's own check, for a user who skips the schema.
    ["work-agent", AGENT_CHART, ["-f", join(CHARTS, "testdata/work-agent-invalid-executor-rbac.yaml"), "--skip-schema-validation"], /executor\.rbac must be one of default, cluster-admin, none .*got "admin"/],
    ["work-agent", AGENT_CHART, ["-f", join(CHARTS, "testdata/work-agent-server-without-token.yaml")], /at '\/hubKubeconfig\/token': minLength/],
    ["work-agent", AGENT_CHART, ["-f", join(CHARTS, "testdata/work-agent-server-without-token.yaml"), "--skip-schema-validation"], /hubKubeconfig: server and token go together/],
    ["work-hub", HUB_CHART, ["-f", join(CHARTS, "testdata/work-hub-unknown-value.yaml")], /additional properties 'replica' not allowed/],
    ["work-hub", HUB_CHART, ["--set", "hubUrl=hub.example.com"], /at '\/hubUrl'/],
  ];
  for (const [name, chart, args, message] of cases) {
    it(`${name} ${args.join(" ").replace(CHARTS + "/", "")}`, async () => {
      const r = await helm(["template", "rel", chart, ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
      const lint = await helm(["lint", chart, ...args.filter((a) => a !== "--skip-schema-validation")]);
      expect(lint.code).not.toBe(0);
    });
  }
});

describe("the API servers accept the rendered manifests (kubectl apply --dry-run=server)", () => {
  it("kubectl and the servers talk (client and server versions)", async () => {
    const v = JSON.parse(await kubectlOk(hubKubeconfig(), ["version", "-o", "json"])) as { clientVersion: { minor: string }; serverVersion: { minor: string } };
    expect(Number(v.serverVersion.minor)).toBeGreaterThanOrEqual(35);
    expect(Number.parseInt(v.clientVersion.minor)).toBeGreaterThan(0);
  });

  it("work-hub, default and ci/ values, on the hub", async () => {
    await expectAccepted(hubKubeconfig(), await template(HUB_CHART, hubNs));
    await expectAccepted(hubKubeconfig(), await template(HUB_CHART, hubNs, ["-f", join(HUB_CHART, "ci/custom-values.yaml")]));
  });

  it("work-agent, default, ci/ values and every executor mode with its CRDs, on a spoke", async () => {
    await expectAccepted(spokeKubeconfig(1), await template(AGENT_CHART, spokeNs));
    await expectAccepted(spokeKubeconfig(1), await template(AGENT_CHART, spokeNs, ["-f", join(AGENT_CHART, "ci/custom-values.yaml")]));
    for (const mode of EXECUTOR_MODES) {
      const args = ["--set", `executor.rbac=${mode}`, "--set", "clusterName=c1", "--set", "crds.install=true", "--set", "hubKubeconfig.server=https://hub.example.com:6443", "--set", "hubKubeconfig.token=t"];
      await expectAccepted(spokeKubeconfig(1), await template(AGENT_CHART, spokeNs, args));
    }
  });

  it("the dry run refuses what a server would (a misspelt field, strict validation)", async () => {
    const rendered = await template(AGENT_CHART, spokeNs);
    expect(rendered).toContain("readinessProbe:");
    const r = await dryRun(spokeKubeconfig(1), rendered.replace("readinessProbe:", "readinesProbe:"));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown field "spec\.template\.spec\.containers\[0\]\.readinesProbe"/);
  });
});
