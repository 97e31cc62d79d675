/**
 * Rule 9, differential: random sequences of Work edits (add and remove
 * manifests, data keys, labels, list items; rename; share an object between
 * two Works; delete Works; restart the agent) run against a real agent, each
 * step followed by convergence. After every step the spoke must equal what a
 * fresh server-side apply of the Works as they are then gives on an empty
 * namespace, every object must be owned by exactly the AppliedWorks of the
 * Works that list it and keep its uid while some Work lists it, and at the
 * end each AppliedWork must list exactly its Work's objects (with uids).
 *
 * Budget: DIFF_RUNS sequences (default 3 in `make test`, 25 in `make soak`)
 * of up to DIFF_STEPS steps (default 6). The seed is printed; DIFF_SEED=<n>
 * reproduces a run (fast-check also prints the failing path).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apply, clients, hubKubeconfig, spokeKubeconfig, testNamespace, uniqueName, waitFor } from "./env.js";
import { mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { readWork, waitForWorkCondition } from "./work-helpers.js";
import { appliedWorkFor, configMap, deleteWork, putWork, waitWorkGone } from "./contract-helpers.js";

const RUNS = Number(process.env.DIFF_RUNS ?? 3);
const STEPS = Number(process.env.DIFF_STEPS ?? 6);
const SEED = process.env.DIFF_SEED !== undefined ? Number(process.env.DIFF_SEED) : Math.floor(Math.random() * 2 ** 31);

const cluster = testNamespace("agent-diff");
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let creds: string;
let agent: AgentProcess;
const start = async (): Promise<AgentProcess> => startAgent({ hubKubeconfig: creds, spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster, args: ["--resync-period", "30s"] });

beforeAll(async () => {
  creds = await mintAgentKubeconfig(hubKubeconfig(), cluster);
  agent = await start();
});

afterAll(async () => {
  expect(await agent?.stop()).toBe(0);
});

const WORKS = ["w0", "w1"] as const;
type W = (typeof WORKS)[number];
/** Each Work sets its own data keys, so the end state does not depend on who held a field first. */
const KEYS: Record<W, string[]> = { w0: ["a0", "a1", "a2"], w1: ["b0", "b1", "b2"] };
const LABELS = { team: "platform", tier: "web" } as const;

interface CmSpec {
  name: string;
  data: Record<string, string>;
  labels: (keyof typeof LABELS)[];
}
interface WorkSpec {
  configMaps: CmSpec[];
  /** Rules of a Role named role-<work>: a list whose items come and go. */
  roleVerbs: string[] | undefined;
}
type Op = { kind: "set"; work: W; spec: WorkSpec } | { kind: "delete"; work: W } | { kind: "restart" };

const workSpec = (w: W): fc.Arbitrary<WorkSpec> =>
  fc.record({
    configMaps: fc.uniqueArray(
      fc.record({
        // "shared" may be listed by both Works; the others are this Work's own (renames come from the pool changing).
        name: fc.constantFrom(`${w}-c0`, `${w}-c1`, "shared"),
        data: fc.dictionary(fc.constantFrom(...KEYS[w]), fc.constantFrom("1", "2", "3"), { maxKeys: 3 }),
        labels: fc.subarray(Object.keys(LABELS) as (keyof typeof LABELS)[]),
      }),
      { selector: (c) => c.name, minLength: 1, maxLength: 3 },
    ),
    roleVerbs: fc.option(fc.subarray(["get", "list", "watch"], { minLength: 1 }), { nil: undefined }),
  });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...WORKS).chain((w) => workSpec(w).map((spec): Op => ({ kind: "set", work: w, spec }))) },
  { weight: 1, arbitrary: fc.constantFrom(...WORKS).map((w): Op => ({ kind: "delete", work: w })) },
  { weight: 1, arbitrary: fc.constant<Op>({ kind: "restart" }) },
);

function manifests(w: W, spec: WorkSpec, ns: string): object[] {
  // An empty `data: {}` is a value of its own to server-side apply (it conflicts with another Work's keys), so it is left out.
  const out: object[] = spec.configMaps.map((c) => {
    const { data: _data, ...cm } = configMap(ns, c.name, c.data, c.labels.length > 0 ? { labels: Object.fromEntries(c.labels.map((l) => [l, LABELS[l]])) } : {});
    return Object.keys(c.data).length > 0 ? { ...cm, data: { ...c.data } } : cm;
  });
  if (spec.roleVerbs) out.push({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: `role-${w}`, namespace: ns }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: spec.roleVerbs }] });
  return out;
}

/** What a user sees of the objects in a namespace: data, rules, and labels and annotations that are not the agent's bookkeeping. */
async function observe(ns: string): Promise<Record<string, unknown>> {
  const own = (m: Record<string, string> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => !k.startsWith("work.multicluster.x-k8s.io/")).sort());
  const out: Record<string, unknown> = {};
  for (const c of (await spoke.core.listNamespacedConfigMap({ namespace: ns })).items) {
    if (c.metadata?.name === "kube-root-ca.crt") continue;
    out[`ConfigMap/${c.metadata!.name}`] = { data: c.data ?? {}, labels: own(c.metadata?.labels), annotations: own(c.metadata?.annotations) };
  }
  const roles = (await spoke.objects.list("rbac.authorization.k8s.io/v1", "Role", ns)).items as { metadata?: { name?: string; labels?: Record<string, string> }; rules?: unknown }[];
  for (const r of roles) out[`Role/${r.metadata!.name}`] = { rules: r.rules, labels: own(r.metadata?.labels) };
  return out;
}

/** The oracle: each Work of `model` applied once, with its own field manager, to an empty namespace; the spoke must look the same. */
async function matchesFreshApply(model: Map<W, WorkSpec>, ns: string, what: string): Promise<void> {
  const fresh = uniqueName("diff-fresh");
  await spoke.core.createNamespace({ body: { metadata: { name: fresh } } });
  try {
    for (const [w, spec] of model) for (const m of manifests(w, spec, fresh)) await apply(spoke.objects, m as never, `fresh-${w}`);
    const want = await observe(fresh);
    await waitFor(async () => {
      expect(await observe(ns)).toEqual(want);
      return true;
    }, { timeoutMs: 20_000, message: `spoke namespace ${ns} equals a fresh apply ${what}` });
  } finally {
    await spoke.core.deleteNamespace({ name: fresh });
  }
}

/** Every object the Works of `model` list, with the Works that list it. */
function listedBy(model: Map<W, WorkSpec>, ns: string): Map<string, W[]> {
  const out = new Map<string, W[]>();
  for (const [w, spec] of model) {
    for (const m of manifests(w, spec, ns) as { kind: string; metadata: { name: string } }[]) {
      const k = `${m.kind}/${m.metadata.name}`;
      out.set(k, [...(out.get(k) ?? []), w]);
    }
  }
  return out;
}

/**
 * Each listed object is owned by exactly the AppliedWorks of the Works that list it, and keeps its uid
 * for as long as some Work lists it (`uids` carries them from step to step).
 */
async function checkOwnersAndUids(model: Map<W, WorkSpec>, ns: string, prefix: string, uids: Map<string, string>): Promise<void> {
  const listed = listedBy(model, ns);
  const awUid = new Map<W, string>();
  for (const w of model.keys()) awUid.set(w, (await appliedWorkFor(spoke, cluster, `${prefix}-${w}`))!.metadata.uid!);
  for (const [k, works] of listed) {
    const [kind, name] = k.split("/") as [string, string];
    const live = (await spoke.objects.read({ apiVersion: kind === "Role" ? "rbac.authorization.k8s.io/v1" : "v1", kind, metadata: { name, namespace: ns } })) as { metadata?: { uid?: string; ownerReferences?: { kind: string; uid: string }[] } };
    const owners = (live.metadata?.ownerReferences ?? []).filter((o) => o.kind === "AppliedWork").map((o) => o.uid).sort();
    expect(owners, `owners of ${k}`).toEqual(works.map((w) => awUid.get(w)!).sort());
    const before = uids.get(k);
    if (before !== undefined) expect(live.metadata?.uid, `uid of ${k}, listed all along`).toBe(before);
    uids.set(k, live.metadata!.uid!);
  }
  for (const k of [...uids.keys()]) if (!listed.has(k)) uids.delete(k);
}

async function converge(model: Map<W, WorkSpec>, deleted: Set<W>, prefix: string): Promise<void> {
  for (const w of WORKS) {
    if (model.has(w)) {
      await waitForWorkCondition(hub.objects, cluster, `${prefix}-${w}`, "Applied", "True", { timeoutMs: 60_000 }).catch(async (err: unknown) => {
        const work = await readWork(hub.objects, cluster, `${prefix}-${w}`);
        throw new Error(`${(err as Error).message}; generation ${work?.metadata.generation}, status ${JSON.stringify(work?.status)}`, { cause: err });
      });
    }
    else if (deleted.has(w)) await waitWorkGone(hub, cluster, `${prefix}-${w}`);
  }
}

describe("differential: random Work edits against a fresh apply of the end state", () => {
  it(`converges to what a fresh server-side apply gives (seed ${SEED}, ${RUNS} runs of up to ${STEPS} steps)`, async () => {
    process.stderr.write(`[differential] seed=${SEED} runs=${RUNS} steps=${STEPS} (DIFF_SEED=${SEED} reproduces)\n`);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: Math.min(3, STEPS), maxLength: STEPS }), async (ops) => {
        run++;
        const prefix = `r${run}`;
        process.stderr.write(`[differential] run ${run}: ${JSON.stringify(ops)}\n`);
        const ns = uniqueName("diff");
        await spoke.core.createNamespace({ body: { metadata: { name: ns } } });
        const model = new Map<W, WorkSpec>();
        const deleted = new Set<W>();
        const uids = new Map<string, string>();
        try {
          for (const [i, op] of ops.entries()) {
            if (op.kind === "set") {
              await putWork(hub, cluster, `${prefix}-${op.work}`, manifests(op.work, op.spec, ns));
              model.set(op.work, op.spec);
              deleted.delete(op.work);
            } else if (op.kind === "delete") {
              if (!model.has(op.work)) continue;
              await deleteWork(hub, cluster, `${prefix}-${op.work}`);
              model.delete(op.work);
              deleted.add(op.work);
            } else {
              expect(await agent.stop()).toBe(0);
              agent = await start();
            }
            await converge(model, deleted, prefix);
            await matchesFreshApply(model, ns, `after step ${i + 1} of ${JSON.stringify(ops)}`);
            await checkOwnersAndUids(model, ns, prefix, uids);
          }
          for (const [w, spec] of model) {
            const aw = await appliedWorkFor(spoke, cluster, `${prefix}-${w}`);
            const listed = (aw?.status?.appliedResources ?? []).map((r) => `${r.kind}/${r.namespace}/${r.name}`).sort();
            const expected = manifests(w, spec, ns).map((m) => `${(m as { kind: string }).kind}/${ns}/${(m as { metadata: { name: string } }).metadata.name}`).sort();
            expect(listed).toEqual(expected);
            expect((aw?.status?.appliedResources ?? []).every((r) => Boolean(r.uid))).toBe(true);
          }
        } finally {
          for (const w of WORKS) await deleteWork(hub, cluster, `${prefix}-${w}`);
          for (const w of WORKS) await waitWorkGone(hub, cluster, `${prefix}-${w}`);
          await spoke.core.deleteNamespace({ name: ns });
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true, verbose: 1 },
    );
  }, 1_800_000);
});
