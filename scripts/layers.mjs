#!/usr/bin/env node
// npm run layers: the import graph of each package's src/, as docs/architecture.md
// describes it. Fails on an import cycle between files; prints the imports that
// run from a lower layer to a higher one (the order below, bottom first) and
// fails when a package has more than it allows.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");

/** Each package's layers, bottom first: a file's layer is its first folder under src/ (root files: "."). */
const PACKAGES = {
  "packages/core": {
    layers: ["util", ".", "store", "engine", "replication", "client", "testing", "index"],
    allowedUpward: 0,
  },
  "packages/worker": {
    layers: [
      "shared",
      "store",
      "http/auth",
      "replication",
      "broker",
      "http",
      "rpc",
      "queues",
      "streams",
      "metrics",
      "console",
      ".",
    ],
    allowedUpward: 1,
  },
};

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory())
      return name === "client" && dir.endsWith("console") ? [] : files(path);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$|\.d\.ts$|test-support\.ts$/.test(name)
      ? [path]
      : [];
  });
}

function importsOf(file) {
  const text = readFileSync(file, "utf8");
  const out = [];
  for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g)) {
    const target = resolve(dirname(file), m[1]).replace(/\.js$/, "");
    for (const ext of [".ts", ".tsx"]) {
      try {
        if (statSync(target + ext).isFile()) out.push(target + ext);
      } catch {}
    }
  }
  return out;
}

/** Strongly connected components of more than one file (Tarjan). */
function cycles(graph) {
  let index = 0;
  const stack = [];
  const info = new Map();
  const found = [];
  const visit = (v) => {
    info.set(v, { index, low: index, on: true });
    index++;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!info.has(w)) {
        visit(w);
        info.get(v).low = Math.min(info.get(v).low, info.get(w).low);
      } else if (info.get(w).on) info.get(v).low = Math.min(info.get(v).low, info.get(w).index);
    }
    if (info.get(v).low === info.get(v).index) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        info.get(w).on = false;
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc);
    }
  };
  for (const v of graph.keys()) if (!info.has(v)) visit(v);
  return found;
}

let failed = false;
for (const [pkg, { layers, allowedUpward }] of Object.entries(PACKAGES)) {
  const src = join(root, pkg, "src");
  const graph = new Map(files(src).map((f) => [f, importsOf(f)]));
  const layerOf = (file) => {
    const rel = relative(src, file).replace(/\.tsx?$/, "");
    // The most specific layer that names the file or its folder.
    let best = -1;
    let bestLength = -1;
    layers.forEach((layer, i) => {
      const match =
        layer === "." ? !rel.includes("/") : rel === layer || rel.startsWith(`${layer}/`);
      if (match && layer.length > bestLength) [best, bestLength] = [i, layer.length];
    });
    return best;
  };
  const loops = cycles(graph);
  const upward = [];
  for (const [from, targets] of graph)
    for (const to of targets) if (layerOf(to) > layerOf(from)) upward.push([from, to]);
  const rel = (f) => relative(join(root, pkg), f);
  console.log(
    `${pkg}: ${graph.size} files, ${loops.length} import cycles, ${upward.length} imports that run up`,
  );
  for (const loop of loops) console.log(`  cycle: ${loop.map(rel).join(" → ")}`);
  for (const [from, to] of upward) console.log(`  up: ${rel(from)} → ${rel(to)}`);
  if (loops.length > 0 || upward.length > allowedUpward) failed = true;
}
process.exit(failed ? 1 : 0);
