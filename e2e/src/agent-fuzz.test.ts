/**
 * Hostile input at scale: generated manifests (fast-check) through real
 * Works: wrong types, huge strings, deep nesting, unknown kinds, non-DNS and
 * path-like names, duplicate objects, missing fields, unicode, manifests near
 * and over the size limit. Each case is known good or bad by construction:
 * the agent never crashes, each bad manifest gets Applied=False with a reason
 * and a message naming it ("manifest <ordinal> ..."), each good one is on the
 * spoke exactly, and nothing else appears there. The agent's peak memory is
 * reported.
 *
 * FUZZ_CASES (default 1,000 in `make test`; `make soak` runs 10,000),
 * FUZZ_SEED (logged; a failing seed reproduces with the same FUZZ_CASES).
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Work } from "@work-api/api";
import { mintAgentKubeconfig, startAgent, type AgentProcess } from "./agent-harness.js";
import { putWork } from "./contract-helpers.js";
import { clients, hubKubeconfig, spokeKubeconfig, testNamespace, waitFor } from "./env.js";
import { installLooseCrd } from "./fault-plane.js";
import { condition, manifestCondition, readWork } from "./work-helpers.js";

const CASES = Number(process.env.FUZZ_CASES ?? 1_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const cluster = testNamespace("agent-fuzz");
const ns = testNamespace("agent-fuzz-spoke", { on: ["spoke1"] });
const hub = clients(hubKubeconfig());
const spoke = clients(spokeKubeconfig(1));
let agent: AgentProcess;

beforeAll(async () => {
  // A CRD that keeps any fields: deep objects reach the agent's diff and server-side apply.
  await installLooseCrd(spokeKubeconfig(1), "fuzz.work-api.test", "fuzzes", "Fuzz");
  agent = await startAgent({ hubKubeconfig: await mintAgentKubeconfig(hubKubeconfig(), cluster), spokeKubeconfig: spokeKubeconfig(1), clusterName: cluster, args: ["--concurrency", "8"] });
});

afterAll(async () => {
  expect(await agent?.stop()).toBe(0);
});

type Case = { m: Record<string, unknown>; good: boolean; kind: string };
const cm = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, ...extra });
const nest = (depth: number): unknown => (depth === 0 ? "leaf" : { n: nest(depth - 1) });
const key = fc.stringMatching(/^[a-z0-9][-._a-z0-9]{0,15}$/);
const text = fc.string({ unit: "grapheme", maxLength: 40 });

/** Case generators the hub's schema lets through (the agent's input); `name` is unique per case. */
const hostile = (name: string): fc.Arbitrary<Case> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.dictionary(key, text, { maxKeys: 5 }).map((data) => ({ m: cm(name, { data }), good: true, kind: "good" })) },
    { weight: 1, arbitrary: fc.integer({ min: 50_000, max: 200_000 }).map((n) => ({ m: cm(name, { data: { big: "ü".repeat(n / 2) } }), good: true, kind: "huge value" })) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.array(text, { minLength: 1, maxLength: 3 }), text, fc.boolean()).map((data) => ({ m: cm(name, { data }), good: false, kind: "wrong-type data" })) },
    { weight: 1, arbitrary: fc.dictionary(key, fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)), { minKeys: 1, maxKeys: 3 }).filter((d) => Object.values(d).some((v) => v !== null)).map((data) => ({ m: cm(name, { data }), good: false, kind: "wrong-type value" })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom("@-Upper", "@-under_score", "@ sp", "@-ünï", "-@", "@-", `@-${"x".repeat(254)}`, "@-😀", "@:x")
        .map((bad) => ({ m: cm(bad.replace("@", name)), good: false, kind: "non-DNS name" })),
    },
    { weight: 1, arbitrary: fc.integer({ min: 254, max: 2_000 }).map((n) => ({ m: cm(name, { data: { ["k".repeat(n)]: "v" } }), good: false, kind: "huge key" })) },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Z][a-z]{2,10}$/).map((k) => ({ m: { apiVersion: "fuzz.example.com/v1", kind: k, metadata: { name, namespace: ns } }, good: false, kind: "unknown kind" })) },
    { weight: 1, arbitrary: fc.integer({ min: 20, max: 150 }).map((d) => ({ m: cm(name, { data: { deep: nest(d) } }), good: false, kind: "deep nesting in a ConfigMap" })) },
    { weight: 1, arbitrary: fc.integer({ min: 20, max: 100 }).map((d) => ({ m: { apiVersion: "fuzz.work-api.test/v1", kind: "Fuzz", metadata: { name, namespace: ns }, spec: { deep: nest(d), text: "ünïcödé 😀" } }, good: true, kind: "deep object" })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom<Record<string, unknown>>({ metadata: { namespace: ns } }, { metadata: { name, namespace: `${ns}-missing` } }, { metadata: { name } }, { metadata: { name: "", namespace: ns } })
        .map((meta) => ({ m: { apiVersion: "v1", kind: "ConfigMap", ...meta }, good: false, kind: "bad metadata" })),
    },
  );

/** Manifests the hub's schema (embedded resources) must refuse: such a Work never reaches an agent. */
const REFUSED_BY_HUB: Record<string, unknown>[] = [
  cm("a/b"),
  cm("x%2Fy"),
  cm(".."),
  cm("ok", { metadata: { name: "ok", namespace: ns, labels: { big: "x".repeat(64) } } }),
  { apiVersion: "v1", kind: "ConfigMap", metadata: "oops" },
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: 5, namespace: ns } },
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "l", namespace: ns, labels: "x" } },
  { apiVersion: "v1", metadata: { name: "nokind", namespace: ns } },
];

/** Works of 1-20 cases; each Work may repeat one of its good manifests (a duplicate: bad). */
function generate(seed: number, cases: number): Case[][] {
  const works: Case[][] = [];
  let n = 0;
  const rng = fc.sample(fc.integer({ min: 1, max: 20 }), { seed, numRuns: Math.ceil(cases) });
  while (n < cases) {
    const size = Math.min(rng[works.length % rng.length] ?? 5, cases - n);
    const batch = Array.from({ length: size }, (_, i) => fc.sample(hostile(`f${works.length}-${i}`), { seed: seed + n + i, numRuns: 1 })[0]!);
    const good = batch.find((c) => c.good);
    if (good && works.length % 3 === 0) batch.push({ m: structuredClone(good.m), good: false, kind: "duplicate" });
    n += batch.length;
    works.push(batch);
  }
  return works;
}

async function peakRssMiB(pid: number): Promise<number> {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(hwm ?? 0) / 1024;
}

describe(`agent fuzz (${CASES} cases, seed ${SEED})`, () => {
  it("never crashes, names every bad manifest, applies every good one exactly, and nothing else", async () => {
    console.info(`[fuzz] reproduce with FUZZ_SEED=${SEED} FUZZ_CASES=${CASES}`);
    const works = generate(SEED, CASES);
    // Near and over the size limit of a ConfigMap (1 MiB), each in a Work of its own.
    works.push([{ m: cm("near-limit", { data: { big: "n".repeat(900 * 1024) } }), good: true, kind: "near size limit" }]);
    works.push([{ m: cm("over-limit", { data: { big: "o".repeat(1024 * 1024 + 1) } }), good: false, kind: "over size limit" }]);
    const total = works.reduce((s, w) => s + w.length, 0);
    // What the hub refuses never reaches the agent: each such Work is rejected, naming the manifest.
    for (const [i, m] of REFUSED_BY_HUB.entries()) {
      const err = await putWork(hub, cluster, `refused${i}`, [cm(`before-${i}`), m]).then(() => undefined, (e: unknown) => e);
      expect(JSON.stringify((err as { body?: unknown } | undefined)?.body ?? "accepted"), JSON.stringify(m)).toMatch(/spec\.workload\.manifests(\[1\])?/);
    }
    const refused: string[] = [];
    for (let i = 0; i < works.length; i += 10) {
      await Promise.all(
        works.slice(i, i + 10).map(async (w, k) => {
          try {
            await putWork(hub, cluster, `fuzz${i + k}`, w.map((c) => c.m));
          } catch (err) {
            // The hub's schema may refuse a Work outright: not the agent's input, but counted.
            refused.push(`fuzz${i + k}: ${JSON.stringify((err as { body?: unknown }).body ?? (err as Error).message).slice(0, 300)}`);
          }
        }),
      );
    }
    // Every generated Work passes the hub's schema: none may be lost from the checks below.
    expect(refused, "Works refused by the hub").toEqual([]);
    const created = new Set(Array.from({ length: works.length }, (_, i) => `fuzz${i}`).filter((n) => !refused.some((r) => r.startsWith(`${n}:`))));
    const statuses = new Map<string, Work>();
    await waitFor(
      async () => {
        for (const name of created) {
          if (statuses.has(name)) continue;
          const w = await readWork(hub.objects, cluster, name);
          const n = works[Number(name.slice(4))]!.length;
          const applied = condition(w?.status?.conditions, "Applied");
          if (w && applied?.observedGeneration === w.metadata.generation && (w.status?.manifestConditions ?? []).length === n) statuses.set(name, w);
        }
        expect(agent.proc.exitCode, "agent exited").toBeNull();
        return statuses.size === created.size;
      },
      { timeoutMs: 60_000 + total * 100, intervalMs: 1_000, message: "every Work has a status for every manifest" },
    );

    const expected = new Map<string, unknown>();
    const expectedFuzz = new Map<string, unknown>();
    let bad = 0;
    for (const name of created) {
      const w = statuses.get(name)!;
      works[Number(name.slice(4))]!.forEach((c, ordinal) => {
        const applied = condition(manifestCondition(w, ordinal)?.conditions, "Applied");
        const what = `${name} manifest ${ordinal} (${c.kind}): ${JSON.stringify(applied)}`;
        if (c.good) {
          expect(applied?.status, what).toBe("True");
          const md = c.m.metadata as { name: string };
          if (c.m.kind === "Fuzz") expectedFuzz.set(md.name, (c.m as { spec?: unknown }).spec);
          else expected.set(md.name, (c.m as { data?: unknown }).data ?? {});
        } else {
          bad++;
          expect(applied?.status, what).toBe("False");
          expect(applied?.reason, what).toMatch(/^[A-Z][A-Za-z]+$/);
          expect(applied?.message, what).toMatch(new RegExp(`^manifest ${ordinal}( \\(|:)`));
        }
      });
    }
    // The spoke holds exactly the good objects, with exactly their data.
    const live = (await spoke.core.listNamespacedConfigMap({ namespace: ns })).items.filter((c) => c.metadata?.name !== "kube-root-ca.crt");
    expect(live.map((c) => c.metadata!.name!).sort()).toEqual([...expected.keys()].sort());
    for (const c of live) expect(c.data ?? {}, c.metadata!.name).toEqual(expected.get(c.metadata!.name!));
    expect(expected.has("near-limit") && !expected.has("over-limit")).toBe(true);
    const fuzzes = ((await spoke.custom.listNamespacedCustomObject({ group: "fuzz.work-api.test", version: "v1", namespace: ns, plural: "fuzzes" })) as { items: { metadata: { name: string }; spec?: unknown }[] }).items;
    expect(fuzzes.map((f) => f.metadata.name).sort()).toEqual([...expectedFuzz.keys()].sort());
    for (const f of fuzzes) expect(f.spec, f.metadata.name).toEqual(expectedFuzz.get(f.metadata.name));
    expect(agent.proc.exitCode).toBeNull();
    const peak = await peakRssMiB(agent.proc.pid!);
    for (const r of refused.slice(0, 30)) console.info(`[fuzz] refused ${r}`);
    console.info(`[fuzz] ${total} cases in ${created.size} Works: ${bad} bad manifests named, ${expected.size} good ConfigMaps and ${expectedFuzz.size} deep custom objects applied exactly, 0 crashes, agent peak RSS ${peak.toFixed(0)} MiB`);
    expect(peak).toBeLessThan(768);
  }, 1_800_000);
});
