// What the page's wasm is made of, for the size report (scripts/test.sh): reads the wasm
// that cargo linked for Trunk (before wasm-bindgen and wasm-opt, so it still has its "name"
// section), and sums the bytes of each function body by the part of the code it belongs to,
// judged from its (mangled) name; plus the data segments. Prints one line per part.
//
// usage: node static/build/wasm-sizes.mjs target/wasm32-unknown-unknown/release/svcplay-web.wasm [GZIP]
// With GZIP (the gzip size of the shipped wasm), each part's share of it is estimated too.
import { readFileSync } from "node:fs";

const bytes = readFileSync(process.argv[2]);
let at = 8; // magic and version

function leb() {
  let result = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return result;
}

function name() {
  const length = leb();
  const text = bytes.toString("utf8", at, at + length);
  at += length;
  return text;
}

function limits() {
  const flags = bytes[at++];
  leb();
  if (flags & 1) leb();
}

let importedFunctions = 0;
const bodies = []; // sizes of the code section's bodies, in order
let dataBytes = 0;
const names = new Map();

while (at < bytes.length) {
  const id = bytes[at++];
  const size = leb();
  const end = at + size;
  if (id === 2) {
    for (let n = leb(); n > 0; n--) {
      name();
      name();
      const kind = bytes[at++];
      if (kind === 0) { leb(); importedFunctions++; }
      else if (kind === 1) { at++; limits(); }
      else if (kind === 2) limits();
      else if (kind === 3) at += 2;
      else if (kind === 4) { at++; leb(); }
    }
  } else if (id === 10) {
    for (let n = leb(); n > 0; n--) {
      const body = leb();
      bodies.push(body);
      at += body;
    }
  } else if (id === 11) {
    dataBytes = size;
  } else if (id === 0 && name() === "name") {
    while (at < end) {
      const sub = bytes[at++];
      const subSize = leb();
      const subEnd = at + subSize;
      if (sub === 1) {
        for (let n = leb(); n > 0; n--) {
          const index = leb();
          names.set(index, name());
        }
      }
      at = subEnd;
    }
  }
  at = end;
}

if (names.size === 0) {
  console.log("  (no name section in " + process.argv[2] + ": cannot say what the code is)");
  process.exit(0);
}

const parts = [
  ["the editor (src/ui/editor.rs, highlight.rs)", /ui(\.\.|\d+)(editor|highlight)/],
  ["the rest of the page (src/ui, Yew, web-sys, js-sys)", /svcplay_web|yew|web_sys|js_sys|wasm_bindgen|__wbg|__wbindgen|gloo|implicit_clone/],
  ["the core (svcplay's library, saphyr-parser, sha2)", /svcplay|saphyr|sha2|data_encoding/],
  ["Rust's std, core and alloc (generics instantiated for both)", /./],
];
const totals = new Map(parts.map(([label]) => [label, 0]));
bodies.forEach((size, i) => {
  const fn = names.get(importedFunctions + i) || "";
  const [label] = parts.find(([, pattern]) => pattern.test(fn));
  totals.set(label, totals.get(label) + size);
});
totals.set("data (examples, both catalogues, messages, tables)", dataBytes);
const all = [...totals.values()].reduce((a, b) => a + b, 0);
const gzip = Number(process.argv[3] || 0);
for (const [label, size] of totals) {
  const share = ((100 * size) / all).toFixed(1).padStart(5);
  const estimate = gzip ? `  ≈ ${String(Math.round((gzip * size) / all / 1000)).padStart(3)} KB gzip` : "";
  console.log(`    ${label.padEnd(62)} ${String(size).padStart(9)}  ${share}%${estimate}`);
}
