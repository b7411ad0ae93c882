import { EdgeqError } from "@edgeq/core";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import { type Grant, grantsProblem, MAX_GRANTS } from "./grants.js";
import { type Principal, sha256Hex } from "./principal.js";

/**
 * `EDGEQ_JWT`, a secret: who issues per-user tokens and how they are signed.
 * Exactly one of `secret` (HS256), `jwks` (RS256/ES256 keys given inline) or
 * `jwksUrl` (RS256/ES256 keys fetched, cached and refetched on an unknown `kid`).
 */
export interface JwtConfig {
  issuer: string;
  audience: string;
  secret?: string;
  jwks?: JSONWebKeySet;
  jwksUrl?: string;
  /**
   * With `jwksUrl`: the least time between two fetches of the keys, in ms
   * (default 30,000), so tokens naming unknown kids cannot hammer the issuer.
   */
  jwksCooldownMs?: number;
  /**
   * Clock skew allowed on `exp` and `nbf`, in seconds (default 60, at most
   * 300): how far the issuer's clock may be from the broker's.
   */
  clockSkewSeconds?: number;
  /**
   * Whether a token must carry `exp` (default true): a token without one
   * would be valid forever. Set false only for an issuer whose tokens never
   * expire and are revoked by rotating its keys.
   */
  requireExp?: boolean;
}

const DEFAULT_CLOCK_SKEW_S = 60;
/** Longest `sub` (docs/protocol.md, Auth): a bound on the work `{sub}` escaping does per call. */
const MAX_SUBJECT_LENGTH = 256;
// In a `u` regex a surrogate pair is one code point: only lone surrogates match.
const LONE_SURROGATE = /\p{Surrogate}/u;
const MAX_CLOCK_SKEW_S = 300;
/** Signing algorithms per key source; a token signed otherwise is refused (no HS/RS confusion). */
const SYMMETRIC = ["HS256"];
const ASYMMETRIC = ["RS256", "ES256"];

/**
 * Verifies per-user JWTs with `jose` (well kept, made for exactly this, runs
 * in workerd). Hono's own `verify` has no clock tolerance and refetches a
 * JWKS URL on every call; jose's remote key set caches the keys (10 min),
 * refetches at once when a token names a `kid` it does not know (key
 * rotation), but at most every 30 s, so unknown kids cannot hammer the issuer.
 */
export class JwtAuth {
  private constructor(
    private readonly config: JwtConfig,
    private readonly key: Uint8Array | JWTVerifyGetKey,
    private readonly algorithms: string[],
  ) {}

  /** Undefined when `EDGEQ_JWT` is not set; throws on a malformed config. */
  static fromEnv(raw: unknown): JwtAuth | undefined {
    if (raw === undefined || raw === null || raw === "") return undefined;
    const config = (typeof raw === "string" ? JSON.parse(raw) : raw) as Partial<JwtConfig>;
    if (typeof config.issuer !== "string" || typeof config.audience !== "string")
      throw new Error("EDGEQ_JWT needs issuer and audience");
    const sources = [config.secret, config.jwks, config.jwksUrl].filter((s) => s !== undefined);
    if (sources.length !== 1)
      throw new Error("EDGEQ_JWT needs exactly one of secret, jwks, jwksUrl");
    const skew = config.clockSkewSeconds;
    if (
      skew !== undefined &&
      !(Number.isInteger(skew) && (skew as number) >= 0 && (skew as number) <= MAX_CLOCK_SKEW_S)
    )
      throw new Error(
        `EDGEQ_JWT: clockSkewSeconds must be an integer from 0 to ${MAX_CLOCK_SKEW_S}`,
      );
    if (config.requireExp !== undefined && typeof config.requireExp !== "boolean")
      throw new Error("EDGEQ_JWT: requireExp must be a boolean");
    const valid = config as JwtConfig;
    if (typeof config.secret === "string") {
      if (config.secret.length < 32)
        throw new Error("EDGEQ_JWT: secret must be at least 32 characters");
      return new JwtAuth(valid, new TextEncoder().encode(config.secret), SYMMETRIC);
    }
    if (config.jwks !== undefined)
      return new JwtAuth(valid, createLocalJWKSet(config.jwks), ASYMMETRIC);
    const remote = createRemoteJWKSet(new URL(String(config.jwksUrl)), {
      cooldownDuration: config.jwksCooldownMs ?? 30_000,
    });
    return new JwtAuth(valid, remote, ASYMMETRIC);
  }

  /** The token's principal and grants; any refusal is `unauthorized`. */
  async verify(token: string): Promise<Principal> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key as Uint8Array, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.algorithms,
        clockTolerance: this.config.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_S,
        requiredClaims: this.config.requireExp === false ? ["sub"] : ["sub", "exp"],
      }));
    } catch (error) {
      throw refusal(error);
    }
    const sub = payload.sub;
    if (typeof sub !== "string" || sub === "")
      throw new EdgeqError("unauthorized", "token has no subject", { details: { reason: "sub" } });
    if (sub.length > MAX_SUBJECT_LENGTH || LONE_SURROGATE.test(sub))
      throw new EdgeqError(
        "unauthorized",
        `token subject must be well-formed text of at most ${MAX_SUBJECT_LENGTH} characters`,
        { details: { reason: "sub" } },
      );
    // An absent claim is no rights; a present one (null included) must be a grant list.
    const grants = payload.edgeq === undefined ? [] : payload.edgeq;
    if (Array.isArray(grants) && grants.length > MAX_GRANTS)
      throw new EdgeqError("unauthorized", `token carries over ${MAX_GRANTS} grants`, {
        details: { reason: "grants" },
      });
    const problem = grantsProblem(grants);
    if (problem)
      throw new EdgeqError("unauthorized", `claim edgeq: ${problem}`, {
        details: { reason: "grants" },
      });
    return {
      id: `j:${(await sha256Hex(`${this.config.issuer}\n${sub}`)).slice(0, 32)}`,
      subject: sub,
      grants: grants as Grant[],
      inheritsUnscoped: false,
    };
  }
}

/** A verification failure as the client sees it: `unauthorized` and a short reason, never the token. */
function refusal(error: unknown): EdgeqError {
  const reason = (why: string, message: string) =>
    new EdgeqError("unauthorized", message, { details: { reason: why }, cause: error });
  if (error instanceof errors.JWTExpired) return reason("exp", "token expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return reason("nbf", "token not valid yet");
    return reason(error.claim, `token claim ${error.claim} is not accepted`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return reason("alg", "token algorithm not allowed");
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return reason("signature", "token signature does not verify");
  if (error instanceof errors.JWKSNoMatchingKey) return reason("kid", "token key is unknown");
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    // jose's plain JOSEError is what a key set fetch that failed (not 200, not JSON) throws.
    error?.constructor === errors.JOSEError ||
    !(error instanceof errors.JOSEError)
  )
    // The issuer's keys could not be fetched: not the client's fault, so retried, not paused.
    return new EdgeqError("unavailable", "token keys are unavailable", { cause: error });
  return reason("malformed", "token is malformed");
}
