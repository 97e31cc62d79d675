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
import { AppliedWorkResource, UpdateStrategyType, WorkResource, type AppliedWork, type KubeObject, type Work } from "@work-api/api";
import {
  AGENT_LABEL,
  WORK_ID_LABEL,
  agentObjectLabel,
  appliedAnnotation,
  buildDesired,
  describeManifest,
  fieldManagerFor,
  leaveToSpoke,
  manifestConfigFor,
  parseIgnoreFields,
  parseManifest,
  workOwnerOfManager,
} from "@work-api/apply";
import { KubeClient, RestMapper, UsageError, ensureError, isNotFound, renderHelp } from "@work-api/runtime";
import { connect, describeError, parse, workName, type PluginDeps, type PluginIO } from "./context.js";
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
  /** Other AppliedWorks for the same Work name and namespace (other hubs): named in a note. */
  others: number;
}

async function appliedWorkOf(spoke: KubeClient, work: Work): Promise<AgentView> {
  const all = await spoke.listAll<AppliedWork>(AppliedWorkResource);
  const mine = all.items.filter((a) => a.spec?.workName === work.metadata.name && a.spec?.workNamespace === work.metadata.namespace);
  return { aw: mine[0], others: Math.max(0, mine.length - 1) };
}

/** The Work's field manager on the spoke: the one on `live` carrying its id, else the agent's default base. */
function managerOf(live: KubeObject | undefined, workId: string): string {
  const found = (live?.metadata?.managedFields ?? []).map((f) => (f as { manager?: string }).manager ?? "").find((m) => m.endsWith(`-${workId}`));
  return found ?? fieldManagerFor(AGENT_FIELD_MANAGER, workId);
}

async function diffOne(spoke: KubeClient, mapper: RestMapper, work: Work, raw: KubeObject, ordinal: number, view: AgentView): Promise<ManifestDiff> {
  const p = parseManifest(raw, ordinal);
  if (p instanceof Error) return { ordinal, label: describeManifest(ordinal), error: p.message };
  const label = describeManifest(ordinal, p.kind, p.namespace, p.name);
  try {
    const mapping = await mapper.resolve(p.apiVersion, p.kind);
    const namespace = mapping.namespaced ? (p.namespace ?? "default") : undefined;
    const path = [p.kind, namespace, p.name].filter((s) => s !== undefined).join("/");
    const live = await spoke.get<KubeObject>(mapping, p.name, namespace !== undefined ? { namespace } : {}).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const config = manifestConfigFor(work.spec?.manifestConfigs, { group: p.group, resource: mapping.resource, namespace: namespace ?? "", name: p.name });
    const type = config?.updateStrategy?.type ?? UpdateStrategyType.ServerSideApply;
    const onlyLooked = type === UpdateStrategyType.ReadOnly || type === UpdateStrategyType.ReportDiff;
    const aw = view.aw;
    const workId = aw?.metadata.labels?.[WORK_ID_LABEL];
    const agentId = aw?.metadata.labels?.[AGENT_LABEL];
    let desired: KubeObject;
    let fieldManager = DIFF_FIELD_MANAGER;
    let note: string | undefined;
    if (onlyLooked || !aw || workId === undefined || agentId === undefined) {
      desired = buildDesired(raw, {});
      note = onlyLooked ? `${type}: never written by the agent` : "no AppliedWork on this spoke: the agent has not applied the Work";
    } else {
      fieldManager = managerOf(live, workId);
      desired = buildDesired(raw, {
        labels: { [agentObjectLabel(agentId)]: "" },
        owner: { apiVersion: `${AppliedWorkResource.group}/${AppliedWorkResource.version}`, kind: "AppliedWork", name: aw.metadata.name!, uid: aw.metadata.uid! },
        recordAnnotation: appliedAnnotation(workId),
      });
      const rules = parseIgnoreFields(config?.updateStrategy?.serverSideApply?.ignoreFields);
      if (rules.length > 0) {
        desired = leaveToSpoke(desired, live, rules, {
          fieldManager,
          isWorkManager: (m) => workOwnerOfManager(m, live) !== undefined,
          agentLabels: [agentObjectLabel(agentId)],
          agentAnnotations: [appliedAnnotation(workId)],
        }).desired;
      }
      if (type === UpdateStrategyType.CreateOnly && live) note = "CreateOnly: the agent does not write it again";
    }
    if (namespace !== undefined) desired = { ...desired, metadata: { ...desired.metadata, namespace } };
    const merged = await spoke.apply(mapping, desired, { fieldManager, force: true, dryRun: true, fieldValidation: "Strict" });
    return { ordinal, label, path, live, merged, ...(note ? { note } : {}) };
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
    work = await client.get<Work>(WorkResource, name, { namespace });
  } catch (err) {
    if (isNotFound(err)) throw new DiffFailed(`Work "${name}" not found in namespace "${namespace}"`);
    throw new DiffFailed(describeError(err, server));
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
    const view = await appliedWorkOf(spoke, work).catch((err: unknown) => {
      throw new DiffFailed(`cannot list AppliedWorks on the spoke at ${spokeServer}: ${describeError(err, spokeServer)}`);
    });
    if (view.others > 0) io.err(`kubectl work: ${view.others + 1} AppliedWorks on the spoke name Work ${namespace}/${name} (several hubs?): diffing against ${view.aw!.metadata.name}\n`);
    const mapper = new RestMapper(spoke);
    const diffs: ManifestDiff[] = [];
    const manifests = work.spec?.workload?.manifests ?? [];
    for (let i = 0; i < manifests.length; i++) diffs.push(await diffOne(spoke, mapper, work, manifests[i]!, i, view));
    const r = renderLiveDiff(diffs);
    io.out(r.text);
    for (const e of r.errors) io.err(`kubectl work: cannot diff ${e}\n`);
    if (r.errors.length > 0) return 3;
    return r.differs ? 1 : 0;
  } finally {
    spoke.close();
  }
}

