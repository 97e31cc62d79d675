/**
 * `kubectl work get [NAME...] [-n CLUSTER | -A] [-l SELECTOR]`: reads Works
 * (by name, or one paginated LIST of a namespace or of all) and prints them
 * one per line (get.ts renders them).
 */
import { WorkResource, type Work } from "@work-api/api";
import { UsageError, isNotFound, renderHelp, type KubeApiError } from "@work-api/runtime";
import { WORK_PAGE_SIZE } from "./clusters-command.js";
import { CommandError, connect, describeError, givesFlag, outputOf, parse, printObject, useColor, workName, type PluginDeps, type PluginIO } from "./context.js";
import { GET_DESCRIPTION, GET_FLAGS, GET_OUTPUTS, GET_USAGE, PLUGIN } from "./flags.js";
import { STALE_MARK, hasStale, renderGetText, workListView } from "./get.js";

/** A 404 without a name: the API server serves no Works at all. */
function noWorkApi(err: unknown): boolean {
  return isNotFound(err) && ((err as KubeApiError).status.details?.name ?? "") === "";
}

export async function runGet(argv: readonly string[], io: PluginIO, deps: PluginDeps): Promise<number> {
  const { values, positionals, help } = parse(GET_FLAGS, argv, io);
  if (help) {
    io.out(renderHelp(GET_USAGE, GET_DESCRIPTION, GET_FLAGS) + "\n");
    return 0;
  }
  const format = outputOf(values, GET_OUTPUTS);
  const all = values["all-namespaces"] === true;
  const selector = values.selector === undefined ? "" : String(values.selector);
  const names = positionals.map(workName);
  if (all && givesFlag(argv, "namespace")) throw new UsageError("-A (--all-namespaces) and -n (--namespace) do not go together");
  if (all && names.length > 0) throw new UsageError("a Work cannot be read by name across all namespaces: pass -n CLUSTER instead of -A");
  if (selector !== "" && names.length > 0) throw new UsageError("give Work names or a selector (-l), not both");
  const { client, cfg, server } = connect(values, io, deps);
  const nsFlag = values.namespace === undefined ? "" : String(values.namespace);
  const namespace = nsFlag !== "" ? nsFlag : cfg.namespace;
  const noApi = (): CommandError => new CommandError(`the API server at ${server} serves no ${WorkResource.resource}.${WorkResource.group}: is context "${cfg.context}" the hub?`);
  try {
    const works: Work[] = [];
    let missing = 0;
    if (names.length > 0) {
      for (const name of names) {
        try {
          works.push(await client.get<Work>(WorkResource, name, { namespace }));
        } catch (err) {
          if (noWorkApi(err)) throw noApi();
          if (!isNotFound(err)) throw err;
          missing++;
          io.err(`${PLUGIN}: Work "${name}" not found in namespace "${namespace}"\n`);
        }
      }
    } else {
      try {
        const list = await client.listAll<Work>(WorkResource, {
          ...(all ? {} : { namespace }),
          ...(selector !== "" ? { labelSelector: selector } : {}),
          pageSize: WORK_PAGE_SIZE,
        });
        works.push(...list.items);
      } catch (err) {
        if (noWorkApi(err)) throw noApi();
        throw err;
      }
    }
    const view = workListView(works);
    if (format === "json" || format === "yaml") {
      printObject(io, format, view);
    } else if (view.items.length === 0) {
      if (missing === 0) io.err(`No Works found${all ? "" : ` in namespace ${namespace}`}${selector !== "" ? ` matching ${selector}` : ""}.\n`);
    } else {
      io.out(renderGetText(view, { now: (io.now ?? Date.now)(), color: useColor(io), allNamespaces: all, wide: format === "wide" }));
      if (hasStale(view)) io.err(`${STALE_MARK} computed for an older generation of the Work: the agent has not caught up yet\n`);
    }
    return missing > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof CommandError) throw err;
    throw new CommandError(describeError(err, server));
  } finally {
    client.close();
  }
}
