/** Labels the agent puts on the objects it applies and on its AppliedWorks. */

// The agent's labels (defined in @work-api/apply/naming.ts, which kubectl work diff reads too).
export { AGENT_LABEL, WORK_ID_LABEL, agentObjectLabel } from "@work-api/apply";

/** On an AppliedWork whose Work is being deleted or evicted: its inventory no longer counts as wanting an object. */
export const LETTING_GO_ANNOTATION = "work.multicluster.x-k8s.io/letting-go";
/** On an AppliedWork: the user (a ServiceAccount's "system:serviceaccount:NS:NAME") that writes its objects. */
export const EXECUTOR_ANNOTATION = "work.multicluster.x-k8s.io/executor";
/** On an AppliedWork: the listed objects its Work only looks at (ReadOnly, ReportDiff), a JSON list; see read-only.ts. */
export const READ_ONLY_ANNOTATION = "work.multicluster.x-k8s.io/read-only";

/** True when the AppliedWork carries {@link LETTING_GO_ANNOTATION}. */
export function isLettingGo(aw: { metadata: { annotations?: Record<string, string> } }): boolean {
  return aw.metadata.annotations?.[LETTING_GO_ANNOTATION] !== undefined;
}

/**
 * On an AppliedWork: its Work's spec.deleteOption (JSON) when it orphans anything, recorded before
 * anything is applied, so a clean-up after the Work is gone (eviction) honours it. Absent: Foreground.
 */
export const DELETE_OPTION_ANNOTATION = "work.multicluster.x-k8s.io/delete-option";
