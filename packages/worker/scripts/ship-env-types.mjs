// The published declarations name the Worker's `Env` (its bindings, src/env.d.ts), an
// ambient declaration that tsc does not emit. Ship it beside them and reference it from
// the entry, so a consumer's type-check sees the broker's bindings instead of an unknown name.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";

const reference = '/// <reference path="./env.d.ts" />\n';
copyFileSync("src/env.d.ts", "dist/env.d.ts");
const entry = readFileSync("dist/index.d.ts", "utf8");
if (!entry.startsWith(reference)) writeFileSync("dist/index.d.ts", reference + entry);
