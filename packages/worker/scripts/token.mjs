#!/usr/bin/env node
// Mints a per-user dev token signed with EDGEQ_JWT from the .dev.vars of the current
// directory (HS256 only). Shipped as the `edgeq-token` bin, so a broker project's
// `npm run token` and this repository's `npm run token -w @edgeq/worker` are the same:
//   npm run token -- --sub alice [--topics orders] [--rights produce,consume]
//                    [--groups 'user-{sub}-*'] [--ttl 3600] [--vars path/to/.dev.vars]
// Prints the token; use it as `authorization: Bearer <token>` against `wrangler dev`.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";

const { values } = parseArgs({
  options: {
    sub: { type: "string" },
    topics: { type: "string", default: "*" },
    rights: { type: "string", default: "produce,consume" },
    groups: { type: "string" },
    ttl: { type: "string", default: "3600" },
    // npm runs a script in its package's folder: that project's .dev.vars.
    vars: { type: "string", default: ".dev.vars" },
  },
});
if (!values.sub) {
  console.error(
    "usage: npm run token -- --sub <subject> [--topics p] [--rights a,b] [--groups p] [--ttl s]",
  );
  process.exit(2);
}
const line = readFileSync(values.vars, "utf8")
  .split("\n")
  .find((l) => l.startsWith("EDGEQ_JWT="));
if (!line) throw new Error(`no EDGEQ_JWT in ${values.vars}`);
const { issuer, audience, secret } = JSON.parse(line.slice("EDGEQ_JWT=".length));
if (!secret) throw new Error("EDGEQ_JWT in .dev.vars has no HS256 secret");
const grant = { topics: values.topics, rights: values.rights.split(",") };
if (values.groups) grant.groups = values.groups;
const token = await new SignJWT({ edgeq: [grant] })
  .setProtectedHeader({ alg: "HS256", typ: "JWT" })
  .setSubject(values.sub)
  .setIssuer(issuer)
  .setAudience(audience)
  .setIssuedAt()
  .setExpirationTime(`${Number(values.ttl)}s`)
  .sign(new TextEncoder().encode(secret));
console.log(token);
