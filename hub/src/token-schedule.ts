/**
 * When to mint a new agent token. Pure: inputs are what the kubeconfig
 * Secret says about the token in it, the configured lifetime, and the clock.
 */

export interface TokenPolicy {
  /** Requested token lifetime (TokenRequest expirationSeconds), ms. */
  lifetimeMs: number;
  /**
   * Rotate this long before expiry. Undefined: at 80% of the token's actual
   * lifetime (i.e. with a fifth of it left), as kubelets do with theirs.
   */
  rotateBeforeMs?: number | undefined;
}

/** Shortest lifetime the API server accepts for a TokenRequest (10 minutes). */
export const MIN_TOKEN_LIFETIME_MS = 600_000;

/** Validates a policy; returns an error message or undefined. */
export function validateTokenPolicy(p: TokenPolicy): string | undefined {
  if (p.lifetimeMs < MIN_TOKEN_LIFETIME_MS) return `token lifetime must be at least 10m (the API server's minimum), got ${p.lifetimeMs / 1000}s`;
  if (p.rotateBeforeMs !== undefined && (p.rotateBeforeMs <= 0 || p.rotateBeforeMs >= p.lifetimeMs)) {
    return "token rotation must start after issue and before expiry: 0 < --token-rotate-before < --token-lifetime";
  }
  return undefined;
}

/** The moment a token issued at `issuedMs` and expiring at `expiresMs` should be replaced. */
export function rotateAt(issuedMs: number, expiresMs: number, p: TokenPolicy): number {
  const lifetime = Math.max(0, expiresMs - issuedMs);
  const before = p.rotateBeforeMs ?? lifetime / 5;
  return Math.max(issuedMs, expiresMs - Math.min(before, lifetime));
}

/** What the Secret says about the token it holds. */
export interface TokenFacts {
  /** RFC 3339; undefined when the Secret has no token yet. */
  issued: string | undefined;
  expires: string | undefined;
}

export type TokenDecision = { mint: true; why: string } | { mint: false; recheckInMs: number };

/**
 * Mint now (with the reason), or check again in `recheckInMs`. A token with
 * unreadable timestamps is replaced; so is one the clock says was issued in
 * the future (clock skew would otherwise postpone rotation indefinitely).
 */
export function tokenDecision(facts: TokenFacts, p: TokenPolicy, nowMs: number): TokenDecision {
  if (facts.issued === undefined || facts.expires === undefined) return { mint: true, why: "no token yet" };
  const issued = Date.parse(facts.issued);
  const expires = Date.parse(facts.expires);
  if (Number.isNaN(issued) || Number.isNaN(expires) || expires <= issued) return { mint: true, why: "token timestamps unreadable" };
  if (expires <= nowMs) return { mint: true, why: "token expired" };
  if (issued > nowMs + 60_000) return { mint: true, why: "token issued in the future (clock skew)" };
  const at = rotateAt(issued, expires, p);
  if (at <= nowMs) return { mint: true, why: "token due for rotation" };
  return { mint: false, recheckInMs: at - nowMs };
}
