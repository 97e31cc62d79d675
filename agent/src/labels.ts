/** Labels the agent puts on every object it applies and on its AppliedWorks. */

/** Which agent (hub URL + hub namespace) applied the object; the spoke caches select on it. */
export const AGENT_LABEL = "work.multicluster.x-k8s.io/agent";
/** Which Work (its short id) applied the object; maps spoke events back to the Work. */
export const WORK_ID_LABEL = "work.multicluster.x-k8s.io/work-id";
