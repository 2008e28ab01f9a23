// Trunk post-build hook (after csp.mjs): gives the build an id and its service worker the
// build's file list, so that each deploy has its own offline cache (static/sw.js).
//
// The id is the first 16 hex digits of a SHA-256 over every file of the build (paths and
// contents, sw.js left out). It goes into sw.js (`const BUILD`, `const FILES`) and into
// index.html as <meta name="svcplay-build">, which the worker checks before it installs.
// Run by hand on a built folder: `node static/build/version.mjs dist`.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

const dir = process.env.TRUNK_STAGING_DIR || process.argv[2] || "dist";

function walk(folder) {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

const htmlFile = join(dir, "index.html");
// An id from an earlier run of this hook on the same folder is not part of the content.
let html = readFileSync(htmlFile, "utf8").replace(/<meta name="svcplay-build"[^>]*>/, "");
const files = walk(dir)
  .map((path) => relative(dir, path).split(sep).join("/"))
  .filter((path) => path !== "sw.js")
  .sort();
const hash = createHash("sha256");
for (const file of files) {
  hash.update(file + "\0");
  hash.update(file === "index.html" ? html : readFileSync(join(dir, file)));
  hash.update("\0");
}
const build = hash.digest("hex").slice(0, 16);

html = html.replace(/(<meta charset=[^>]*>)/i, `$1<meta name="svcplay-build" content="${build}">`);
if (!html.includes(build)) {
  console.error("version.mjs: no <meta charset> in index.html to put the build id after");
  process.exit(1);
}
writeFileSync(htmlFile, html);

const swFile = join(dir, "sw.js");
let sw = readFileSync(swFile, "utf8");
const cached = files.filter((f) => f !== "index.html");
sw = sw
  .replace(/const BUILD = "[^"]*";/, `const BUILD = "${build}";`)
  .replace(/const FILES = \[[^\]]*\];/, `const FILES = ${JSON.stringify(cached)};`);
if (!sw.includes(build)) {
  console.error("version.mjs: sw.js has no `const BUILD` to stamp");
  process.exit(1);
}
writeFileSync(swFile, sw);
console.log(`version.mjs: build ${build}, ${cached.length} files for the offline cache`);
