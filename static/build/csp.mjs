// Trunk post-build hook: adds svcplay's Content-Security-Policy to the built index.html.
//
// The policy forbids every network access but the page's own files (PRODUCT.md C3: no
// third-party requests at runtime) and every script but the page's own. Trunk writes one
// inline module script (the loader that imports the wasm-bindgen glue), so the policy
// names it by its SHA-256 hash, computed here on the exact bytes Trunk wrote.
//   script-src 'wasm-unsafe-eval'  compiling the page's WebAssembly module
//   style-src 'unsafe-inline'      style attributes (positions in the editor and diagram);
//                                  no user data ever goes into a style
//   worker-src 'self'              the Web Worker (worker.js) and the service worker (sw.js)
//   connect-src 'self'             fetching the .wasm file and caching the page offline
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.TRUNK_STAGING_DIR || process.argv[2] || "dist";
const file = join(dir, "index.html");
let html = readFileSync(file, "utf8");
const hashes = [];
for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
  hashes.push(`'sha256-${createHash("sha256").update(match[1], "utf8").digest("base64")}'`);
}
const policy = [
  "default-src 'none'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(" ")}`.trim(),
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join("; ");
const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}">`;
html = html.replace(/<meta http-equiv="?Content-Security-Policy"?[^>]*>/i, "");
// Right after the charset declaration, before anything that loads.
html = html.replace(/(<meta charset=[^>]*>)/i, `$1${meta}`);
if (!html.includes("Content-Security-Policy")) {
  console.error("csp.mjs: no <meta charset> in index.html to put the policy after");
  process.exit(1);
}
writeFileSync(file, html);
console.log(`csp.mjs: ${hashes.length} inline script(s) hashed into the policy`);
