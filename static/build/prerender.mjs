// Trunk post-build hook step (the first): the page's first load without its wasm (issue 19).
//
// 1. Defer the app: Trunk's tags that load the app's module (its inline module script, which
//    imports the wasm-bindgen glue and starts the wasm, and the preloads of the glue, its
//    snippets and the wasm) move, unchanged, into `<template id="svcplay-app">`; the loader
//    (static/loader.js) inserts them when the app is wanted.
// 2. Pre-render: the built page is served from the build folder and opened in headless
//    Chromium through ChromeDriver (the end-to-end tests' browser, installed by
//    scripts/lib/tools.sh), once per language and theme, as a fresh visitor; once the app shows
//    the default lab and stops changing, the markup it rendered in <body> (with the form
//    controls' state, the scroll positions and the editor's caret written into it) becomes
//    `<template id="prerender-LANG-THEME">`. It is the app's own rendering, so it cannot drift
//    from the app. The loader shows it on a fresh visit and fetches the app after the first
//    paint.
// Without Chromium or ChromeDriver (or with SVCPLAY_PRERENDER=off) the page is built without
// the pre-render and says so: the loader then starts the app at once, as before. A capture
// that fails with the browser present fails the build (the app did not show the default lab).
// Run by hand on a built folder: `node static/build/prerender.mjs dist`.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { extname, join, resolve, sep } from "node:path";

const dir = resolve(process.env.TRUNK_STAGING_DIR || process.argv[2] || "dist");
const file = join(dir, "index.html");
const VARIANTS = [
  ["en", "light"],
  ["en", "dark"],
  ["zh", "light"],
  ["zh", "dark"],
];
// A desktop window: the editor's highlighted layer is drawn for its scroll position, which
// readers with a window up to this tall can reach (static/loader.js shows the plain
// textarea to the others).
const WINDOW = "1920,1080";
// How long the app may take to show the lab in one capture on a loaded machine.
const DEADLINE_MS = 120_000;

// Run in the page: <body>'s markup with the state the DOM keeps outside its attributes.
const SERIALIZE = `
  const copy = document.body.cloneNode(true);
  const from = document.body.querySelectorAll('*');
  const to = copy.querySelectorAll('*');
  for (let i = 0; i < from.length; i++) {
    const a = from[i], b = to[i];
    if (a.scrollTop || a.scrollLeft) b.setAttribute('data-prerender-scroll', a.scrollTop + ',' + a.scrollLeft);
    if (a.tagName === 'TEXTAREA') {
      // The parser drops a textarea's first newline: one more keeps the text's own.
      b.textContent = (a.value.startsWith('\\n') ? '\\n' : '') + a.value;
      b.setAttribute('data-prerender-selection', a.selectionStart + ',' + a.selectionEnd);
    } else if (a.tagName === 'INPUT' && (a.type === 'checkbox' || a.type === 'radio')) {
      b.toggleAttribute('checked', a.checked);
    } else if (a.tagName === 'INPUT') {
      b.setAttribute('value', a.value);
    } else if (a.tagName === 'OPTION') {
      b.toggleAttribute('selected', a.selected);
    }
  }
  copy.querySelectorAll('script, template').forEach((e) => e.remove());
  const root = document.documentElement;
  return { html: copy.innerHTML, title: document.title, query: location.search.slice(1),
           lang: root.lang, theme: root.getAttribute('data-theme') };`;

let html = readFileSync(file, "utf8");
// Idempotent: a folder this step already ran on keeps its app template and drops its pre-render.
html = html.replace(/<template id="?prerender-(?:en|zh)-(?:light|dark)"?[^>]*>[\s\S]*?<\/template>/g, "");
if (!/<template id="?svcplay-app"?>/.test(html)) {
  const tags = [];
  html = html.replace(/<script type="?module"?>[\s\S]*?<\/script>/g, (tag) => {
    if (!/\binit\b/.test(tag)) return tag;
    tags.push(tag);
    return "\u0000";
  });
  html = html.replace(/<link\b[^>]*\brel="?(?:modulepreload|preload)"?[^>]*>/g, (tag) => {
    tags.push(tag);
    return "";
  });
  if (!tags.some((t) => t.startsWith("<script"))) fail("no module script of Trunk's in index.html");
  // The module script goes after the preloads: the first modulepreload is the glue's, which
  // static/glue.js hands to the Web Worker.
  tags.sort((a, b) => Number(a.startsWith("<script")) - Number(b.startsWith("<script")));
  html = html.replace("\u0000", `<template id="svcplay-app">${tags.join("")}</template>`);
}
writeFileSync(file, html);

const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
const chromedriver = process.env.CHROMEDRIVER || "/usr/bin/chromedriver";
if (process.env.SVCPLAY_PRERENDER === "off") {
  console.log("prerender.mjs: SVCPLAY_PRERENDER=off: built without the pre-rendered lab (the app loads at once)");
} else if (!existsSync(chromium) || !existsSync(chromedriver)) {
  console.log(
    `prerender.mjs: no ${existsSync(chromium) ? chromedriver : chromium}: built WITHOUT the pre-rendered lab ` +
      "(the page's first load is then the whole app; scripts/lib/tools.sh installs Chromium and ChromeDriver)"
  );
} else {
  const started = Date.now();
  // A failure is reported only once the browser, ChromeDriver and the server have stopped
  // (process.exit would skip capture's clean-up and leave the browser running).
  const captures = await capture().catch((error) => fail(`capturing the pre-render failed: ${error.message}`));
  let out = readFileSync(file, "utf8");
  const templates = captures
    .map(
      (c) =>
        `<template id="prerender-${c.lang}-${c.theme}" data-query="${attr(c.query)}" data-title="${attr(c.title)}">${c.html}</template>`
    )
    .join("");
  const at = out.search(/<script>svcplayLoader\.start\(\)/);
  if (at < 0) fail("index.html has no `svcplayLoader.start()` script to put the pre-render before");
  out = out.slice(0, at) + templates + out.slice(at);
  writeFileSync(file, out);
  const sizes = captures.map((c) => `${c.lang}-${c.theme} ${Math.round(c.html.length / 1000)} KB`).join(", ");
  console.log(`prerender.mjs: the default lab pre-rendered by the app in ${Date.now() - started} ms (${sizes})`);
}

function fail(message) {
  console.error(`prerender.mjs: ${message}`);
  process.exit(1);
}

function attr(text) {
  return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;");
}

async function freePort() {
  const server = net.createServer();
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address();
  await new Promise((done) => server.close(done));
  return port;
}

// The build folder over HTTP, as a static host serves it.
async function serve() {
  const types = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".wasm": "application/wasm",
    ".json": "application/json",
  };
  const server = http.createServer((request, response) => {
    let path = decodeURIComponent(new URL(request.url, "http://localhost").pathname);
    if (path.endsWith("/")) path += "index.html";
    const target = join(dir, path);
    if (!target.startsWith(dir + sep) || !existsSync(target) || !statSync(target).isFile()) {
      response.writeHead(404);
      response.end();
      return;
    }
    response.writeHead(200, { "Content-Type": types[extname(target)] || "application/octet-stream", "Cache-Control": "no-store" });
    response.end(readFileSync(target));
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return server;
}

async function capture() {
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}/`;
  const port = await freePort();
  const driver = spawn(chromedriver, [`--port=${port}`], { stdio: "ignore" });
  const profile = mkdtempSync(join(tmpdir(), "svcplay-prerender-"));
  const webdriver = `http://127.0.0.1:${port}`;
  let session = null;
  async function command(method, path, body) {
    const reply = await fetch(webdriver + path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await reply.json();
    if (!reply.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value).slice(0, 400)}`);
    return json.value;
  }
  const run = (script, args = []) => command("POST", `/session/${session}/execute/sync`, { script, args });
  const pause = (ms) => new Promise((done) => setTimeout(done, ms));
  try {
    for (let start = Date.now(); ; await pause(100)) {
      try {
        if ((await command("GET", "/status")).ready) break;
      } catch (error) {
        if (Date.now() - start > 30_000) throw new Error(`ChromeDriver did not start: ${error.message}`);
      }
    }
    const config = JSON.parse(readFileSync(new URL("../../webdriver.json", import.meta.url), "utf8"));
    const args = [...config["goog:chromeOptions"].args, `--user-data-dir=${profile}`, `--window-size=${WINDOW}`];
    session = (
      await command("POST", "/session", {
        capabilities: { alwaysMatch: { browserName: "chrome", "goog:chromeOptions": { binary: chromium, args } } },
      })
    ).sessionId;
    const captures = [];
    for (const [lang, theme] of VARIANTS) {
      await command("POST", `/session/${session}/url`, { url: `${base}?lang=${lang}&theme=${theme}` });
      // The default lab on show, nothing busy, and the same markup three polls in a row.
      let last = "";
      let same = 0;
      for (const start = Date.now(); same < 3; await pause(200)) {
        if (Date.now() - start > DEADLINE_MS) {
          throw new Error(`the app did not settle on the default lab (${lang}, ${theme}) within ${DEADLINE_MS} ms`);
        }
        const now = await run(`
          const root = document.documentElement;
          const ready = root.hasAttribute('data-interactive-ms') && document.getElementById('editor')
            && document.getElementById('view-panel') && !document.getElementById('boot')
            && !document.querySelector('[aria-busy="true"]');
          return ready ? document.body.innerHTML : '';`);
        same = now !== "" && now === last ? same + 1 : 0;
        last = now;
      }
      const captured = await run(SERIALIZE);
      if (captured.lang !== (lang === "zh" ? "zh-CN" : "en") || captured.theme !== theme) {
        throw new Error(`asked for ${lang}/${theme}, the app showed ${captured.lang}/${captured.theme}`);
      }
      // The next capture is a fresh visit again.
      await run("localStorage.clear(); sessionStorage.clear();");
      captures.push({ ...captured, lang, theme });
    }
    return captures;
  } finally {
    if (session) await command("DELETE", `/session/${session}`).catch(() => {});
    driver.kill();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

