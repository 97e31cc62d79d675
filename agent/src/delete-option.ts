/**
 * A Work's spec.deleteOption as the prune's orphan test: which of the objects the Work lets go of
 * (the Work deleted, or manifests removed from it) stay on the spoke, orphaned, instead of being
 * deleted. Foreground (or no deleteOption): none. Orphan: all. SelectivelyOrphan: those an
 * orphaning rule names exactly (group, resource, namespace, name; "" for the core group and for
 * cluster-scoped objects).
 */
import type { DeleteOption, OrphaningRule } from "@work-api/api";
import type { AppliedRef } from "@work-api/apply";

/** The orphan test of a deleteOption; undefined when nothing is orphaned. */
export function orphanTest(option: DeleteOption | undefined): ((ref: AppliedRef) => boolean) | undefined {
  switch (option?.propagationPolicy) {
    case "Orphan":
      return () => true;
    case "SelectivelyOrphan": {
      const rules = option.selectivelyOrphans?.orphaningRules ?? [];
      return (ref) => rules.some((r) => matches(r, ref));
    }
    default:
      return undefined;
  }
}

function matches(rule: OrphaningRule, ref: AppliedRef): boolean {
  return (rule.group ?? "") === ref.group && rule.resource === ref.resource && (rule.namespace ?? "") === (ref.namespace ?? "") && rule.name === ref.name;
}

/** A short description for logs and Events: "Orphan", "SelectivelyOrphan (2 rules)", or "Foreground". */
export function describeDeleteOption(option: DeleteOption | undefined): string {
  const policy = option?.propagationPolicy ?? "Foreground";
  if (policy !== "SelectivelyOrphan") return policy;
  const n = option?.selectivelyOrphans?.orphaningRules.length ?? 0;
  return `SelectivelyOrphan (${n} rule${n === 1 ? "" : "s"})`;
}
