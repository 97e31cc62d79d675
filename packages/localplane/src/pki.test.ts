import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ADMIN_USER, caFromBundle, ensurePki, formatTokens, parseTokens, pemBlocks } from "./pki.js";

const dir = mkdtempSync(join(tmpdir(), "localplane-pki-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tokens.csv", () => {
  it("round-trips users and tokens", () => {
    const csv = formatTokens([{ token: "abc", user: "u", groups: ["system:masters", "g2"] }]);
    expect(csv).toBe('abc,u,u,"system:masters,g2"\n');
    expect(parseTokens(csv).get("u")).toBe("abc");
  });
});

describe("ensurePki", () => {
  it("creates keys and tokens once and reuses them", () => {
    const a = ensurePki(join(dir, "pki"));
    expect(readFileSync(a.saKey, "utf8")).toContain("BEGIN PRIVATE KEY");
    expect(a.adminToken).toMatch(/^[0-9a-f]{48}$/);
    const b = ensurePki(join(dir, "pki"));
    expect(b.adminToken).toBe(a.adminToken);
    expect(readFileSync(b.saKey, "utf8")).toBe(readFileSync(a.saKey, "utf8"));
    expect(parseTokens(readFileSync(a.tokensCsv, "utf8")).get(ADMIN_USER)).toBe(a.adminToken);
  });
});

describe("caFromBundle", () => {
  it("keeps only CA certificates of a leaf + CA bundle", () => {
    const d = join(dir, "ca");
    const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    execFileSync("mkdir", ["-p", d]);
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(d, "ca.key"), "-out", join(d, "ca.crt"), "-subj", "/CN=ca", "-days", "1", "-addext", "basicConstraints=critical,CA:TRUE");
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", join(d, "leaf.key"), "-out", join(d, "leaf.csr"), "-subj", "/CN=leaf");
    run("x509", "-req", "-in", join(d, "leaf.csr"), "-CA", join(d, "ca.crt"), "-CAkey", join(d, "ca.key"), "-CAcreateserial", "-out", join(d, "leaf.crt"), "-days", "1");
    const ca = readFileSync(join(d, "ca.crt"), "utf8");
    const bundle = readFileSync(join(d, "leaf.crt"), "utf8") + ca;
    expect(pemBlocks(bundle)).toHaveLength(2);
    expect(caFromBundle(bundle).trim()).toBe(ca.trim());
  });
});
