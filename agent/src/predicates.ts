/** Which Work changes need a reconcile: not the agent's own status writes. */
import type { Work } from "@work-api/api";

function metaOf(w: Work): unknown {
  const { resourceVersion: _rv, managedFields: _mf, ...rest } = w.metadata;
  return rest;
}

/** True for a periodic resync (same object) or any change outside status. */
export function workChanged(oldW: Work, newW: Work): boolean {
  if (oldW === newW || oldW.metadata.resourceVersion === newW.metadata.resourceVersion) return true;
  if (oldW.metadata.generation !== newW.metadata.generation) return true;
  return JSON.stringify(metaOf(oldW)) !== JSON.stringify(metaOf(newW));
}
