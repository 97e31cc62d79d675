/**
 * Credentials of one cluster, all under `<dir>/<name>/pki` and reused on a
 * warm start:
 * - sa.key / sa.pub: RSA key pair signing service-account tokens
 *   (kube-apiserver --service-account-signing-key-file / -key-file,
 *   kube-controller-manager --service-account-private-key-file);
 * - tokens.csv: static bearer tokens (kube-apiserver --token-auth-file). The
 *   admin user `localplane-admin` and the controller manager are both in
 *   group system:masters. The admin token is what the kubeconfig carries.
 * - serving/: kube-apiserver --cert-dir. The API server generates its own CA
 *   and serving certificate there on first start (valid for 127.0.0.1 and
 *   localhost); the CA is embedded in the kubeconfig and given to the
 *   controller manager as --root-ca-file.
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const ADMIN_USER = "localplane-admin";
export const CONTROLLER_MANAGER_USER = "system:kube-controller-manager";

export interface Pki {
  dir: string;
  saKey: string;
  saPub: string;
  tokensCsv: string;
  servingDir: string;
  /** kube-apiserver writes these on first start. */
  servingCert: string;
  /** The CA alone, extracted from servingCert once it exists. */
  caFile: string;
  adminToken: string;
  controllerManagerToken: string;
}

/** Parses tokens.csv lines `token,user,uid,"groups"` into user -> token. */
export function parseTokens(csv: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of csv.split("\n")) {
    const [token, user] = line.split(",");
    if (token && user) out.set(user, token);
  }
  return out;
}

export function formatTokens(entries: readonly { token: string; user: string; groups: string[] }[]): string {
  return entries.map((e) => `${e.token},${e.user},${e.user},"${e.groups.join(",")}"`).join("\n") + "\n";
}

/** Creates the keys and tokens if missing; returns paths and tokens. */
export function ensurePki(dir: string): Pki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const servingDir = join(dir, "serving");
  mkdirSync(servingDir, { recursive: true, mode: 0o700 });
  const saKey = join(dir, "sa.key");
  const saPub = join(dir, "sa.pub");
  if (!existsSync(saKey) || !existsSync(saPub)) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    writeFileSync(saKey, privateKey, { mode: 0o600 });
    writeFileSync(saPub, publicKey, { mode: 0o644 });
  }
  const tokensCsv = join(dir, "tokens.csv");
  let tokens = existsSync(tokensCsv) ? parseTokens(readFileSync(tokensCsv, "utf8")) : new Map<string, string>();
  if (!tokens.has(ADMIN_USER) || !tokens.has(CONTROLLER_MANAGER_USER)) {
    const content = formatTokens([
      { token: randomBytes(24).toString("hex"), user: ADMIN_USER, groups: ["system:masters"] },
      { token: randomBytes(24).toString("hex"), user: CONTROLLER_MANAGER_USER, groups: ["system:masters"] },
    ]);
    writeFileSync(tokensCsv, content, { mode: 0o600 });
    tokens = parseTokens(content);
  }
  return {
    dir,
    saKey,
    saPub,
    tokensCsv,
    servingDir,
    servingCert: join(servingDir, "apiserver.crt"),
    caFile: join(dir, "ca.crt"),
    adminToken: tokens.get(ADMIN_USER) ?? "",
    controllerManagerToken: tokens.get(CONTROLLER_MANAGER_USER) ?? "",
  };
}

/** Splits a PEM bundle into its certificate blocks. */
export function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((b) => b + "\n") ?? [];
}

/**
 * The CA certificates of a bundle (the API server's apiserver.crt holds the
 * serving certificate followed by its CA). Falls back to the whole bundle.
 */
export function caFromBundle(pem: string): string {
  const blocks = pemBlocks(pem);
  const cas = blocks.filter((b) => {
    try {
      return new X509Certificate(b).ca;
    } catch {
      return false;
    }
  });
  return (cas.length > 0 ? cas : blocks).join("");
}
