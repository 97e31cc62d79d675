/**
 * Fake nodes for a spoke, with kwok (sigs.k8s.io/kwok, built from the Go
 * module proxy like the rest): kwok keeps the Nodes this plane creates Ready
 * and plays pod lifecycles, so the scheduler binds pods, pods become Running
 * and Ready, Jobs' pods complete and deleted pods go away. No container runs
 * and no image is pulled.
 *
 * The stages are our own (kwok uses only the stages of its config file once
 * it has one): a node becomes Ready; a pod becomes Ready at once unless it
 * carries the label {@link NEVER_READY_LABEL} (any value), which keeps it
 * Running but not Ready (a Deployment that never becomes available).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, type KubeConfig, type V1Node } from "@kubernetes/client-node";
import { LOOPBACK } from "./ports.js";
import { spawnLogged, type ManagedProcess } from "./spawn.js";

/** Annotation kwok selects the nodes it manages by. */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";
/** A pod with this label (any value) runs but never becomes Ready. */
export const NEVER_READY_LABEL = "localplane.work-api/never-ready";

/** Selector start: a pod not being deleted, in `phase` (more match expressions may follow). */
const livePodIn = (phase: string): string => `  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values: ['${phase}']
`;

const ref = (kind: string): string => `  resourceRef:\n    apiGroup: v1\n    kind: ${kind}\n`;

/** kwok configuration: node and pod stages (kwok uses only the stages given once a config file has any). */
export function kwokConfig(): string {
  const stage = (name: string, body: string, kind = "Pod"): string => `---\napiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata:\n  name: ${name}\nspec:\n${ref(kind)}${body}`;
  const node = stage(
    "localplane-node-ready",
    `  selector:
    matchExpressions:
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values: ['True']
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - {type: Ready, status: "True", reason: KubeletReady, message: "kwok fake node", lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
      - {type: MemoryPressure, status: "False", reason: KubeletHasSufficientMemory, message: "", lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
      - {type: DiskPressure, status: "False", reason: KubeletHasNoDiskPressure, message: "", lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
      - {type: PIDPressure, status: "False", reason: KubeletHasSufficientPID, message: "", lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
      - {type: NetworkUnavailable, status: "False", reason: RouteCreated, message: "", lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
      addresses:
      - {type: InternalIP, address: {{ NodeIP | Quote }}}
      - {type: Hostname, address: {{ .metadata.name | Quote }}}
      nodeInfo:
        architecture: amd64
        operatingSystem: linux
        kubeletVersion: kwok
        kubeProxyVersion: kwok
      phase: Running
`,
    "Node",
  );
  const ready = stage(
    "localplane-pod-ready",
    `${livePodIn("Pending")}    - key: '.spec.nodeName'
      operator: 'Exists'
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $ready := not (hasKey (or .metadata.labels dict) "${NEVER_READY_LABEL}") }}
      conditions:
      - {lastTransitionTime: {{ $now | Quote }}, status: "True", type: PodScheduled}
      - {lastTransitionTime: {{ $now | Quote }}, status: "True", type: Initialized}
      - {lastTransitionTime: {{ $now | Quote }}, status: {{ if $ready }}"True"{{ else }}"False"{{ end }}, type: Ready{{ if not $ready }}, reason: ContainersNotReady, message: "kept not ready by ${NEVER_READY_LABEL}"{{ end }}}
      - {lastTransitionTime: {{ $now | Quote }}, status: {{ if $ready }}"True"{{ else }}"False"{{ end }}, type: ContainersReady}
      containerStatuses:
      {{ range .spec.containers }}
      - {image: {{ .image | Quote }}, name: {{ .name | Quote }}, ready: {{ $ready }}, started: true, restartCount: 0, state: {running: {startedAt: {{ $now | Quote }}}}}
      {{ end }}
      {{ with NodeIPsWith .spec.nodeName }}
      hostIP: {{ index . 0 | Quote }}
      {{ end }}
      {{ with PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
      podIP: {{ index . 0 | Quote }}
      podIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
`,
  );
  const complete = stage(
    "localplane-pod-complete",
    `${livePodIn("Running")}    - key: '.metadata.ownerReferences.[].kind'
      operator: 'In'
      values: ['Job']
  delay:
    durationMilliseconds: 500
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - {lastTransitionTime: {{ $now | Quote }}, status: "False", type: Ready, reason: PodCompleted}
      - {lastTransitionTime: {{ $now | Quote }}, status: "False", type: ContainersReady, reason: PodCompleted}
      containerStatuses:
      {{ range .spec.containers }}
      - {image: {{ .image | Quote }}, name: {{ .name | Quote }}, ready: false, started: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}}}
      {{ end }}
      phase: Succeeded
`,
  );
  const remove = stage(
    "localplane-pod-delete",
    `  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    delete: true
`,
  );
  // No KwokConfiguration document: a partial one would zero the defaults it leaves out.
  return `${node}${ready}${complete}${remove}`.replace(/^---\n/, "");
}

export interface StartKwokOptions {
  exe: string;
  kubeconfigPath: string;
  /** Where the config file goes. */
  dir: string;
  /** Loopback port of kwok's own server (metrics, health). */
  port: number;
  logDir: string;
  marker: string;
}

export function kwokArgs(o: StartKwokOptions, configPath: string): string[] {
  return [
    `--kubeconfig=${o.kubeconfigPath}`,
    `--config=${configPath}`,
    `--manage-all-nodes=false`,
    `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
    `--node-ip=${LOOPBACK}`,
    `--cidr=10.244.0.0/16`,
    `--server-address=${LOOPBACK}:${o.port}`,
  ];
}

export function startKwok(o: StartKwokOptions): Promise<ManagedProcess> {
  const configPath = join(o.dir, "kwok.yaml");
  writeFileSync(configPath, kwokConfig());
  return spawnLogged({ name: "kwok", exe: o.exe, args: kwokArgs(o, configPath), logPath: join(o.logDir, "kwok.log"), marker: o.marker });
}

/** Names of a cluster's fake nodes: `<cluster>-node-0` … */
export function nodeNames(cluster: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${cluster}-node-${i}`);
}

function nodeObject(name: string): V1Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: "fake" },
      labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" },
    },
    status: {
      allocatable: { cpu: "32", memory: "256Gi", pods: "110" },
      capacity: { cpu: "32", memory: "256Gi", pods: "110" },
    },
  };
}

/** Creates the missing fake nodes (a warm start keeps its own) and deletes nodes beyond `n`. */
export async function ensureNodes(kc: KubeConfig, cluster: string, n: number): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const want = new Set(nodeNames(cluster, n));
  const have = (await core.listNode({ labelSelector: "type=kwok" })).items.map((x) => x.metadata?.name ?? "");
  for (const name of have) if (!want.has(name)) await core.deleteNode({ name });
  for (const name of want) if (!have.includes(name)) await core.createNode({ body: nodeObject(name) });
  return [...want];
}

/** True when kwok's server answers /healthz (it runs and serves, also on a warm start whose nodes are already Ready). */
export async function kwokHealthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${LOOPBACK}:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** True when every one of `names` is Ready (kwok has taken them over). */
export async function nodesReady(kc: KubeConfig, names: readonly string[]): Promise<boolean> {
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = (await core.listNode({ labelSelector: "type=kwok" })).items;
  return names.every((name) => nodes.find((x) => x.metadata?.name === name)?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
}
