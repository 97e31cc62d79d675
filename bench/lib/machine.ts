/** The machine, versions and load a run was measured on. */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { cpus, loadavg, release, totalmem } from "node:os";
import { findBinaries } from "@work-api/localplane";
import { REPO } from "./agents.js";

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
}

export interface Versions {
  node: string;
  kubernetes: string;
  etcd: string;
  /** Commit of the checkout, with "+dirty" when it has local changes. */
  commit: string;
  /** When the compiled code the run used was built (newest file of each dist/). */
  builtAt: Record<string, string>;
}

function newestIn(dir: string): string {
  try {
    const t = Math.max(...readdirSync(dir).filter((f) => f.endsWith(".js")).map((f) => statSync(join(dir, f)).mtimeMs));
    return Number.isFinite(t) ? new Date(t).toISOString() : "missing";
  } catch {
    return "missing";
  }
}

export function machineInfo(): Machine {
  const c = cpus();
  return { cpuModel: c[0]?.model.trim() ?? "unknown", cores: c.length, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: `Linux ${release()}` };
}

function git(args: string[]): string {
  try {
    return execFileSync("git", ["-C", REPO, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

export function versions(): Versions {
  const bins = findBinaries();
  const head = git(["rev-parse", "--short", "HEAD"]) || "unknown";
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]) !== "";
  const builtAt = Object.fromEntries(["agent", "hub", "packages/runtime", "packages/apply"].map((p) => [p, newestIn(join(REPO, p, "dist"))]));
  return { node: process.version, kubernetes: bins.versions.kubernetes ?? "?", etcd: bins.versions.etcd ?? "?", commit: head + (dirty ? "+dirty" : ""), builtAt };
}

/** 1, 5 and 15 minute load averages. */
export function load(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Share of CPU time not idle over `ms` (all cores), from /proc/stat. */
export async function cpuBusy(ms: number): Promise<number> {
  const read = (): { idle: number; total: number } => {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { idle, total: v.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  return b.total === a.total ? 0 : 1 - (b.idle - a.idle) / (b.total - a.total);
}
