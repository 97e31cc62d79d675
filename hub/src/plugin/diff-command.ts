/**
 * `kubectl work diff NAME -n CLUSTER [--spoke-kubeconfig FILE]`: per
 * manifest, the difference between the Work and the live object, as
 * `kubectl diff` prints it.
 *
 * With --spoke-kubeconfig it asks the spoke's API server: each manifest is
 * built as the agent builds it (its label, the AppliedWork ownerReference,
 * the record annotation, fields that serverSideApply.ignoreFields leaves to
 * the spoke; read from the Work's AppliedWork), server-side applied with
 * `dryRun=All` under the Work's field manager, and the answer compared with
 * the live object. ReadOnly and ReportDiff manifests, and Works the spoke has
 * no AppliedWork for, are dry-run as the manifest alone under the manager
 * `kubectl-work-diff`. Nothing is written. Without it, it prints what the
 * agent reported (diffDetails, driftDetails).
 *
 * Exit codes as kubectl diff: 0 no differences, 1 differences, 2 usage
 * error, 3 a failure (API, kubeconfig, a manifest that could not be diffed).
 */
import { AppliedWorkResource, UpdateStrategyType, type AppliedWork, type KubeObject, type ManifestConfig, type OwnerReference, type ResourceIdentifier, type Work } from "@work-api/api";
import {
  AGENT_LABEL,
  WORK_ID_LABEL,
  agentObjectLabel,
  appliedAnnotation,
  buildDesired,
  describeManifest,
  fieldManagerFor,
  leaveToSpoke,
  madeByAWork,
  manifestConfigFor,
  objectKey,
  ownerFor,
  parseConflicts,
  parseIgnoreFields,
  parseManifest,
  workId,
  workOwnerOfManager,
  type FieldConflict,
  type ParsedManifest,
} from "@work-api/apply";
import { KubeApiError, KubeClient, RestMapper, UsageError, ensureError, isNotFound, renderHelp, type RestMapping } from "@work-api/runtime";
import { CommandError, connect, describeError, parse, workName, type PluginDeps, type PluginIO } from "./context.js";
import { getWork } from "./status-command.js";
import { renderLiveDiff, renderReportedDiff, type ManifestDiff } from "./diff.js";
import { DIFF_DESCRIPTION, DIFF_FLAGS, DIFF_USAGE } from "./flags.js";
import { KubeconfigError, loadKubeconfig } from "./kubeconfig.js";

/** Field manager of dry-runs that do not stand for the agent's apply. */
export const DIFF_FIELD_MANAGER = "kubectl-work-diff";
/** The agent's default --field-manager base, when no live object names the Work's manager. */
const AGENT_FIELD_MANAGER = "work-agent";

/** A failure of `diff`: exit code 3 (kubectl diff exits >1 on errors; 1 means "differences"). */
export class DiffFailed extends Error {
  override readonly name = "DiffFailed";
}

interface AgentView {
  aw: AppliedWork | undefined;
  /** Set when several AppliedWorks name the Work (several hubs) and none carries the id derived from the hub's URL. */
  ambiguous?: number;
}

async function appliedWorkOf(spoke: KubeClient, work: Work, hubServer: string): Promise<AgentView> {
  const all = await spoke.listAll<AppliedWork>(AppliedWorkResource);
  const mine = all.items.filter((a) => a.spec?.workName === work.metadata.name && a.spec?.workNamespace === work.metadata.namespace);
  if (mine.length <= 1) return { aw: mine[0] };
  // Several hubs deliver a Work of this namespace and name: the one whose id the hub's URL gives (as the agent's --hub-url does).
  const id = workId(hubServer, work.metadata.namespace ?? "", work.metadata.name ?? "");
  const byId = mine.find((a) => a.metadata.labels?.[WORK_ID_LABEL] === id);
  return byId ? { aw: byId } : { aw: mine[0], ambiguous: mine.length };
}

/** The Work's field manager on the spoke: the one on `live` carrying its id, else the agent's default base. */
function managerOf(live: KubeObject | undefined, id: string): string {
  const found = (live?.metadata?.managedFields ?? []).map((f) => (f as { manager?: string }).manager ?? "").find((m) => m.endsWith(`-${id}`));
  return found ?? fieldManagerFor(AGENT_FIELD_MANAGER, id);
}

const KNOWN_TYPES = new Set<string>(Object.values(UpdateStrategyType));

/** Why the agent would refuse the manifest before applying it (as bundle.ts does), if it would. */
function refusal(p: ParsedManifest, namespaced: boolean, type: string): string | undefined {
  if (namespaced && p.namespace === undefined) return `${p.kind} is namespaced; set metadata.namespace (the agent fails it: NamespaceRequired)`;
  if (!namespaced && p.namespace !== undefined) return `${p.kind} is cluster-scoped; remove metadata.namespace (the agent fails it: NamespaceNotAllowed)`;
  if (!KNOWN_TYPES.has(type)) return `updateStrategy.type ${type} is not known (the agent fails it: InvalidManifestConfig)`;
  return undefined;
}

/** How the agent would write the object: what it sends, as which manager, and what to say about it. */
interface Plan {
  desired: KubeObject;
  fieldManager: string;
  /** The agent's own apply (not the manifest alone): conflicts are judged as the agent judges them. */
  asAgent: boolean;
  note?: string;
}

async function planFor(spoke: KubeClient, work: Work, raw: KubeObject, id: ResourceIdentifier, live: KubeObject | undefined, view: AgentView, config: ManifestConfig | undefined, type: string): Promise<Plan> {
  const alone = (note: string): Plan => ({ desired: buildDesired(raw, {}), fieldManager: DIFF_FIELD_MANAGER, asAgent: false, note });
  if (type === UpdateStrategyType.ReadOnly || type === UpdateStrategyType.ReportDiff) return alone(`${type}: never written by the agent`);
  const aw = view.aw;
  const wid = aw?.metadata.labels?.[WORK_ID_LABEL];
  const agentId = aw?.metadata.labels?.[AGENT_LABEL];
  if (!aw || wid === undefined || agentId === undefined) return alone("no AppliedWork on this spoke: the agent has not applied the Work");
  const fieldManager = managerOf(live, wid);
  const takeOver = config?.updateStrategy?.takeOver ?? "Always";
  if (live && takeOver !== "Always" && !madeByAWork(live, fieldManager)) {
    return alone(`takeOver ${takeOver}: no Work made this object, so the agent does not take it over${takeOver === "IfNoDiff" ? " unless the manifest's fields already match" : ""} (nothing written)`);
  }
  const awOwner: OwnerReference = { apiVersion: `${AppliedWorkResource.group}/${AppliedWorkResource.version}`, kind: "AppliedWork", name: aw.metadata.name!, uid: aw.metadata.uid! };
  const reader = { get: async (m: RestMapping, ns: string | undefined, name: string): Promise<KubeObject | undefined> => getOrNone(spoke, m, ns, name) };
  const owner = await ownerFor(awOwner, work.spec?.deleteOption, reader)(id);
  let desired = buildDesired(raw, { labels: { [agentObjectLabel(agentId)]: "" }, ...(owner ? { owner } : {}), recordAnnotation: appliedAnnotation(wid) });
  const rules = parseIgnoreFields(config?.updateStrategy?.serverSideApply?.ignoreFields);
  if (rules.length > 0) {
    desired = leaveToSpoke(desired, live, rules, {
      fieldManager,
      isWorkManager: (m) => workOwnerOfManager(m, live) !== undefined,
      agentLabels: [agentObjectLabel(agentId)],
      agentAnnotations: [appliedAnnotation(wid)],
    }).desired;
  }
  const notes = [type === UpdateStrategyType.CreateOnly && live ? "CreateOnly: the object exists, so the agent does not write it again" : undefined, owner ? undefined : "applied without the AppliedWork owner (deleteOption orphans it)"];
  const note = notes.filter((n): n is string => n !== undefined).join("; ");
  return { desired, fieldManager, asAgent: true, ...(note ? { note } : {}) };
}

async function getOrNone(spoke: KubeClient, m: RestMapping, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  try {
    return await spoke.get<KubeObject>(m, name, namespace !== undefined ? { namespace } : {});
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * The dry-run answer. As the agent does: unforced first; on a conflict, fields another Work holds
 * are never taken (said, and shown as if forced), and out-of-band holders are forced over unless
 * serverSideApply.force is false.
 */
async function dryRun(spoke: KubeClient, mapping: RestMapping, plan: Plan, live: KubeObject | undefined, ownUid: string | undefined, force: boolean | undefined): Promise<{ merged: KubeObject; note?: string }> {
  const opts = { fieldManager: plan.fieldManager, dryRun: true, fieldValidation: "Strict" as const };
  if (!plan.asAgent) return { merged: await spoke.apply(mapping, plan.desired, { ...opts, force: true }) };
  try {
    return { merged: await spoke.apply(mapping, plan.desired, { ...opts, force: false }) };
  } catch (err) {
    if (!(err instanceof KubeApiError) || err.statusCode !== 409) throw err;
    const conflicts = parseConflicts(err);
    const merged = await spoke.apply(mapping, plan.desired, { ...opts, force: true });
    const byWorks = conflicts.filter((c) => {
      const o = workOwnerOfManager(c.manager, live);
      return o !== undefined && o.uid !== ownUid;
    });
    const fields = (cs: readonly FieldConflict[]): string => cs.map((c) => `${c.field} (${c.manager})`).join(", ");
    if (byWorks.length > 0) return { merged, note: `conflict: another Work holds ${fields(byWorks)}; the agent writes nothing while it lasts (ApplyConflict), shown as if forced` };
    if (force === false) return { merged, note: `conflict: ${fields(conflicts)}; serverSideApply.force is false, so the agent writes nothing (ApplyConflict), shown as if forced` };
    return { merged, note: `takes ${fields(conflicts)} from out-of-band managers (forced, unless the agent runs with --force-conflicts=false)` };
  }
}

async function diffOne(spoke: KubeClient, mapper: RestMapper, work: Work, raw: KubeObject, ordinal: number, view: AgentView, seen: Map<string, number>): Promise<ManifestDiff> {
  const p = parseManifest(raw, ordinal);
  if (p instanceof Error) return { ordinal, label: describeManifest(ordinal), error: p.message };
  const label = describeManifest(ordinal, p.kind, p.namespace, p.name);
  try {
    const mapping = await mapper.resolve(p.apiVersion, p.kind);
    const key = objectKey(p);
    const first = seen.get(key);
    if (first !== undefined) return { ordinal, label, error: `the same object as manifest ${first}: the agent applies only the first (DuplicateManifest)` };
    seen.set(key, ordinal);
    const config = manifestConfigFor(work.spec?.manifestConfigs, { group: p.group, resource: mapping.resource, namespace: p.namespace ?? "", name: p.name });
    const type = config?.updateStrategy?.type ?? UpdateStrategyType.ServerSideApply;
    const refused = refusal(p, mapping.namespaced, type);
    if (refused) return { ordinal, label, error: refused };
    const path = [p.kind, p.namespace, p.name].filter((s) => s !== undefined).join("/");
    const live = await getOrNone(spoke, mapping, p.namespace, p.name);
    const id = { ordinal, group: p.group, version: p.version, kind: p.kind, resource: mapping.resource, namespace: p.namespace ?? "", name: p.name };
    const plan = await planFor(spoke, work, raw, id, live, view, config, type);
    const answer = await dryRun(spoke, mapping, plan, live, view.aw?.metadata.uid, config?.updateStrategy?.serverSideApply?.force);
    const note = [plan.note, answer.note].filter((n): n is string => n !== undefined && n !== "").join("; ");
    return { ordinal, label, path, live, merged: answer.merged, ...(note ? { note } : {}) };
  } catch (err) {
    return { ordinal, label, error: describeError(err, undefined) };
  }
}

function connectSpoke(file: string, context: string | undefined, io: PluginIO, deps: PluginDeps): { spoke: KubeClient; server: string } {
  const cfg = loadKubeconfig({ kubeconfig: file, context, env: { ...io.env, KUBECONFIG: undefined } });
  const server = cfg.kc.getCurrentCluster()?.server ?? "";
  try {
    return { spoke: KubeClient.fromKubeConfig(cfg.kc, { userAgent: "kubectl-work (diff)", maxRetries: 2, ...deps.clientOptions }), server };
  } catch (err) {
    throw new KubeconfigError(`cannot use the spoke kubeconfig ${file}: ${ensureError(err).message.split("\n")[0] ?? ""}`);
  }
}

export async function runDiff(argv: readonly string[], io: PluginIO, deps: PluginDeps): Promise<number> {
  const { values, positionals, help } = parse(DIFF_FLAGS, argv, io);
  if (help) {
    io.out(renderHelp(DIFF_USAGE, DIFF_DESCRIPTION, DIFF_FLAGS) + "\n");
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`diff takes exactly one argument, the Work's name (got ${positionals.length})`);
  const name = workName(positionals[0]!);
  const spokeFile = values["spoke-kubeconfig"] === undefined ? undefined : String(values["spoke-kubeconfig"]);
  const spokeContext = values["spoke-context"] === undefined ? undefined : String(values["spoke-context"]);
  if (spokeContext !== undefined && spokeFile === undefined) throw new UsageError("--spoke-context needs --spoke-kubeconfig");
  const { client, cfg, server } = connect(values, io, deps);
  const nsFlag = values.namespace === undefined ? undefined : String(values.namespace);
  const namespace = nsFlag !== undefined && nsFlag !== "" ? nsFlag : cfg.namespace;
  let work: Work;
  try {
    work = await getWork(client, name, namespace, nsFlag, server, cfg.context);
  } catch (err) {
    throw new DiffFailed(err instanceof CommandError ? err.message : describeError(err, server));
  } finally {
    client.close();
  }
  if (spokeFile === undefined) {
    const r = renderReportedDiff(work);
    io.out(r.text);
    return r.differs ? 1 : 0;
  }
  const { spoke, server: spokeServer } = connectSpoke(spokeFile, spokeContext, io, deps);
  try {
    const view = await appliedWorkOf(spoke, work, server).catch((err: unknown) => {
      throw new DiffFailed(`cannot list AppliedWorks on the spoke at ${spokeServer}: ${describeError(err, spokeServer)}`);
    });
    if (view.ambiguous !== undefined) io.err(`kubectl work: ${view.ambiguous} AppliedWorks on the spoke name Work ${namespace}/${name} (several hubs) and none has the id of ${server}: diffing against ${view.aw!.metadata.name}\n`);
    const mapper = new RestMapper(spoke);
    const diffs: ManifestDiff[] = [];
    const manifests = work.spec?.workload?.manifests ?? [];
    const seen = new Map<string, number>();
    for (let i = 0; i < manifests.length; i++) diffs.push(await diffOne(spoke, mapper, work, manifests[i]!, i, view, seen));
    const r = renderLiveDiff(diffs);
    io.out(r.text);
    for (const e of r.errors) io.err(`kubectl work: cannot diff ${e}\n`);
    if (r.errors.length > 0) return 3;
    return r.differs ? 1 : 0;
  } finally {
    spoke.close();
  }
}

