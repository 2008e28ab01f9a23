// Trunk post-build hook step: stamps the build's version (Cargo.toml's) into embed.js, which
// compares it with a block's `data-svcplay-version` to pick the folder of the version asked
// for (docs/embedding.md, "Several versions side by side").
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.TRUNK_STAGING_DIR || process.argv[2] || "dist";
const cargo = readFileSync(new URL("../../Cargo.toml", import.meta.url), "utf8");
const version = /^\[package\][^[]*?^version\s*=\s*"([^"]+)"/ms.exec(cargo)?.[1];
if (!version) {
  console.error("embed.mjs: no package version in Cargo.toml");
  process.exit(1);
}
const file = join(dir, "embed.js");
const before = readFileSync(file, "utf8");
const after = before.replace(/var VERSION = "[^"]*";/, `var VERSION = ${JSON.stringify(version)};`);
if (!after.includes(JSON.stringify(version))) {
  console.error("embed.mjs: embed.js has no `var VERSION` to stamp");
  process.exit(1);
}
writeFileSync(file, after);
console.log(`embed.mjs: embed.js is version ${version}`);
