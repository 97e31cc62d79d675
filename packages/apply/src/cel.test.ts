/**
 * A conformance sample: the CEL that Kubernetes users write (ValidatingAdmissionPolicy,
 * CRD validation rules, kstatus-like health checks), run over a live object as the agent
 * sees it (JSON: every number a JavaScript number). This is the sample that chose the
 * library (docs/design/work-extensions.md, "CEL library").
 */
import { describe, expect, it } from "vitest";
import { celCacheSize, celObject, evaluateCel } from "./cel.js";

const deployment = celObject({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web-1", namespace: "d", generation: 2, labels: { "app.kubernetes.io/name": "web", tier: "front" }, annotations: {}, creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: { replicas: 3, template: { spec: { containers: [{ name: "c", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] } } },
  status: {
    observedGeneration: 2,
    replicas: 3,
    readyReplicas: 3,
    ratio: 0.75,
    conditions: [
      { type: "Available", status: "True", reason: "MinimumReplicasAvailable", lastTransitionTime: "2026-01-02T00:00:00Z" },
      { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
    ],
  },
});

const TRUE_EXPRESSIONS = [
  // numbers: a JSON integer is a CEL int, so int arithmetic and comparisons with int and double literals work
  "object.status.readyReplicas == object.spec.replicas",
  "object.spec.replicas == 3",
  "object.spec.replicas >= 2 && object.spec.replicas < 3.5",
  "object.spec.replicas == 3.0",
  "object.status.replicas + 1 == 4",
  "object.spec.replicas / 2 == 1",
  "object.status.ratio > 0.5",
  "type(object.spec.replicas) == int && type(object.status.ratio) == double",
  "int(object.status.ratio * 4.0) == 3",
  "object.status.observedGeneration >= object.metadata.generation",
  // has() on maps and fields, `in`, index with a key that is not an identifier
  "has(object.status.readyReplicas) && !has(object.status.succeeded)",
  "has(object.metadata.labels.tier) && !has(object.metadata.annotations.x)",
  "'app.kubernetes.io/name' in object.metadata.labels",
  "object.metadata.labels['app.kubernetes.io/name'] == 'web'",
  // macros
  "object.status.conditions.exists(c, c.type == 'Available' && c.status == 'True')",
  "object.status.conditions.all(c, c.status == 'True')",
  "object.status.conditions.exists_one(c, c.type == 'Progressing')",
  "object.status.conditions.filter(c, c.status == 'True').size() == 2",
  "object.spec.template.spec.containers.map(c, c.name) == ['c']",
  "object.spec.template.spec.containers.all(c, c.ports.exists(p, p.containerPort == 80))",
  "object.metadata.labels.exists(k, object.metadata.labels[k] == 'front')",
  // size, strings (the strings extension, as Kubernetes enables it), RE2 regular expressions
  "size(object.status.conditions) > 0 && object.metadata.name.size() == 5",
  "object.spec.template.spec.containers[0].image.startsWith('nginx:') && object.spec.template.spec.containers[0].image.endsWith('1.27')",
  "object.metadata.name.contains('eb')",
  "object.metadata.name.matches('^[a-z]+-[0-9]+$') && object.metadata.name.matches('(?i)^WEB')",
  "object.kind.lowerAscii() == 'deployment' && object.kind.upperAscii() == 'DEPLOYMENT'",
  "object.metadata.name.split('-') == ['web', '1'] && object.metadata.name.replace('-', '_') == 'web_1'",
  "object.metadata.name.indexOf('-') == 3 && object.metadata.name.substring(4) == '1'",
  "['a', 'b'].join(',') == 'a,b'",
  // timestamps and durations from RFC 3339 strings
  "timestamp(object.status.conditions[0].lastTransitionTime) - timestamp(object.metadata.creationTimestamp) == duration('24h')",
  "object.status.conditions.exists(c, c.type == 'Available') ? object.status.conditions.filter(c, c.type == 'Available')[0].status == 'True' : false",
];

describe("CEL conformance sample over a live object", () => {
  it.each(TRUE_EXPRESSIONS)("%s", (expr) => {
    expect(evaluateCel(expr, deployment)).toEqual({ ok: true, value: true });
  });

  it("reports a missing key at run time, a syntax error at compile time, with the library's message", () => {
    expect(evaluateCel("object.status.missing == 1", deployment)).toEqual({ ok: false, stage: "run", message: "field not found: missing" });
    const bad = evaluateCel("object.status.conditions.exists(c, c.type == ", deployment);
    expect(bad).toMatchObject({ ok: false, stage: "compile" });
    expect(evaluateCel("1 / 0 == 1", deployment)).toEqual({ ok: false, stage: "run", message: "int divide by zero" });
    expect(evaluateCel("unknownVariable == 1", deployment)).toMatchObject({ ok: false, stage: "run" });
  });

  it("gives non-bool values back as they are (the rule decides what to do)", () => {
    expect(evaluateCel("object.status.readyReplicas", deployment)).toEqual({ ok: true, value: 3n });
  });

  it("evaluates a catastrophic-backtracking pattern in linear time (RE2), so one rule cannot stall the agent", () => {
    const o = celObject({ s: `${"a".repeat(40)}!` });
    const t = performance.now();
    expect(evaluateCel("object.s.matches('^(a+)+$')", o)).toEqual({ ok: true, value: false });
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it("refuses, before running it, an expression whose nested loops over this object's lists would be too costly", () => {
    const small = celObject({ items: Array.from({ length: 10 }, (_, i) => i) });
    const big = celObject({ items: Array.from({ length: 2000 }, (_, i) => i) });
    const nested = "object.items.all(a, object.items.all(b, object.items.exists(c, a + b + c >= 0)))";
    expect(evaluateCel(nested, small)).toEqual({ ok: true, value: true });
    const r = evaluateCel(nested, big);
    expect(r).toEqual({ ok: false, stage: "cost", message: "loops nested 3 deep over lists or maps of up to 2000 entries may take 8000000000 steps, more than 1000000" });
    // Loops one after the other add up rather than multiply: not refused.
    expect(evaluateCel("object.items.map(x, x + 1).all(y, y > 0) && object.items.exists(z, z == 1)", big)).toEqual({ ok: true, value: true });
  });

  it("compiles each expression text once and keeps a bounded cache", () => {
    const expr = `object.spec.replicas == ${Math.floor(Math.random() * 1e9)}`;
    const before = celCacheSize();
    evaluateCel(expr, deployment);
    evaluateCel(expr, deployment);
    expect(celCacheSize()).toBe(Math.min(before + 1, 512));
    for (let i = 0; i < 600; i++) evaluateCel(`object.spec.replicas == ${i}`, deployment);
    expect(celCacheSize()).toBe(512);
  });
});
