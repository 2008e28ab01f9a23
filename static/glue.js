// Browser services the page's Rust code calls (a wasm-bindgen snippet, see src/ui/dom.rs).
// They live in JavaScript because the browser already does them well and their Rust
// bindings would add to the budgeted wasm: compression for share links, the clipboard,
// downloads, the Web Worker, the service worker, and text edits that keep the textarea's
// own undo history. (Messages with an embedding page are static/embed-frame.js.)

// ---- Share links: DEFLATE (zlib, whose Adler-32 checksum catches tampering) + base64url.

function toBase64Url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function through(stream, bytes) {
  const writer = stream.writable.getWriter();
  writer.write(bytes).catch(() => {});
  writer.close().catch(() => {});
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

export async function deflate(text) {
  return toBase64Url(await through(new CompressionStream("deflate"), new TextEncoder().encode(text)));
}

// Rejects when the data is not a complete, intact zlib stream of UTF-8 text, and (with an
// error named "TooLarge") as soon as it inflates to more than maxBytes: a link is read as a
// stream and dropped there, so a DEFLATE bomb (a 408 KB fragment can inflate to 300 MB)
// never becomes a string. The compressed bytes go in 1 KB at a time: DEFLATE expands a byte
// to at most ~1,032, so the inflater never holds more than about 1 MB that the reader below
// has not counted yet.
export async function inflate(text, maxBytes) {
  const input = fromBase64Url(text);
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let stopped = false;
  const feeding = (async () => {
    try {
      for (let i = 0; i < input.length && !stopped; i += 1024) {
        await writer.write(input.subarray(i, i + 1024));
      }
      if (!stopped) await writer.close();
    } catch (_) {
      // The reader sees the same error (a damaged stream) or stopped on purpose.
    }
  })();
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        stopped = true;
        reader.cancel().catch(() => {});
        writer.abort().catch(() => {});
        const error = new Error(`the scenario is larger than ${maxBytes} bytes`);
        error.name = "TooLarge";
        throw error;
      }
      chunks.push(value);
    }
  } finally {
    await feeding;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

// ---- Clipboard and downloads.

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (_) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let done = false;
    try { done = document.execCommand("copy"); } catch (_) { done = false; }
    area.remove();
    return done;
  }
}

// Saves `data` (a string, or a Blob such as a PNG) as a file; tells the page through a
// `svcplay:download` event (name and size), which the end-to-end test listens to.
export function download(name, data) {
  const blob = data instanceof Blob ? data : new Blob([data], { type: "text/plain;charset=utf-8" });
  dispatchEvent(new CustomEvent("svcplay:download", { detail: { name, size: blob.size } }));
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// Reads a file the user picked (Import): onText(text, tooLarge). A file over maxBytes is
// not read at all (onText(null, true)).
export function pickFile(onText, maxBytes) {
  const input = document.createElement("input");
  input.type = "file";
  input.accept = ".yaml,.yml,.json,.txt,text/*";
  input.onchange = () => {
    const file = input.files && input.files[0];
    if (!file) return;
    if (file.size > maxBytes) onText(null, true);
    else file.text().then((text) => onText(text, false), () => {});
  };
  input.click();
}

// ---- Editing the textarea so that Ctrl+Z undoes it: execCommand keeps the undo stack.

export function insertText(area, text) {
  area.focus();
  let done = false;
  try { done = document.execCommand("insertText", false, text); } catch (_) { done = false; }
  if (!done) {
    area.setRangeText(text, area.selectionStart, area.selectionEnd, "end");
    // An edit at the caret, as the browser's would say (a bare input event means the
    // value was set whole: src/ui/editor.rs).
    area.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertText", data: text }));
  }
}

// Replaces the whole text as one undoable edit. execCommand needs the focus, which then
// goes back where it was: loading an example must not move the keyboard into the editor.
export function replaceAll(area, text) {
  if (area.value === text) return;
  if (text.length > 200000) {
    // Very large texts: the undo stack would copy them; set the value directly.
    area.value = text;
    area.dispatchEvent(new Event("input", { bubbles: true }));
    return;
  }
  const before = document.activeElement;
  area.focus();
  area.select();
  insertText(area, text);
  area.setSelectionRange(0, 0);
  area.scrollTop = 0;
  if (before && before !== area && before !== document.body && typeof before.focus === "function") {
    before.focus();
  } else if (before !== area) {
    area.blur();
  }
}

export function editCommand(area, command) {
  area.focus();
  try { document.execCommand(command); } catch (_) { /* nothing to undo */ }
}

// ---- The Web Worker: this page's wasm module, run off the main thread.

export function startWorker(module, onMessage, onReady) {
  try {
    const link = document.querySelector('link[rel="modulepreload"]');
    if (!link || typeof Worker === "undefined") return null;
    const worker = new Worker(new URL("worker.js", document.baseURI), { type: "module" });
    worker.onmessage = (event) => {
      if (event.data && event.data.ready !== undefined) onReady(!!event.data.ready);
      else if (event.data instanceof Uint8Array) onMessage(event.data);
      else if (event.data && event.data.marks && Array.isArray(window.__svcplayWorkerMarks)) {
        window.__svcplayWorkerMarks.push(...event.data.marks);
      }
    };
    worker.onerror = () => onReady(false);
    worker.postMessage({ boot: { js: link.href, module } });
    return worker;
  } catch (_) {
    return null;
  }
}

export function postToWorker(worker, bytes) {
  worker.postMessage(bytes, [bytes.buffer]);
}

// ---- Offline use: the service worker caches the page after the first visit.

export function registerServiceWorker() {
  if (!("serviceWorker" in navigator) || location.protocol === "file:") return;
  navigator.serviceWorker.register(new URL("sw.js", document.baseURI)).catch(() => {});
}

// ---- The diagram as a file: SVG with its styles written in (the page's CSS variables do
// not travel), and PNG drawn from that SVG at twice the size.

const SVG_STYLES = ["fill", "stroke", "stroke-width", "stroke-dasharray", "font-family", "font-size", "font-weight", "opacity"];

function standaloneSvg(svg, width, height) {
  const copy = svg.cloneNode(true);
  const from = svg.querySelectorAll("*");
  const to = copy.querySelectorAll("*");
  from.forEach((element, i) => {
    const style = getComputedStyle(element);
    to[i].setAttribute("style", SVG_STYLES.map((p) => `${p}:${style.getPropertyValue(p)}`).join(";"));
  });
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  copy.setAttribute("width", String(width));
  copy.setAttribute("height", String(height));
  copy.setAttribute("viewBox", `0 0 ${width} ${height}`);
  copy.style.background = getComputedStyle(svg.parentElement || svg).backgroundColor;
  const group = copy.querySelector("g[transform]");
  if (group) group.removeAttribute("transform");
  return new XMLSerializer().serializeToString(copy);
}

export function exportSvg(svg, name, width, height) {
  download(name, new Blob([standaloneSvg(svg, width, height)], { type: "image/svg+xml" }));
}

export function exportPng(svg, name, width, height) {
  const url = URL.createObjectURL(new Blob([standaloneSvg(svg, width, height)], { type: "image/svg+xml" }));
  const image = new Image();
  image.onload = () => {
    const canvas = document.createElement("canvas");
    canvas.width = width * 2;
    canvas.height = height * 2;
    const context = canvas.getContext("2d");
    context.fillStyle = getComputedStyle(svg.parentElement || svg).backgroundColor || "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.scale(2, 2);
    context.drawImage(image, 0, 0);
    URL.revokeObjectURL(url);
    canvas.toBlob((blob) => blob && download(name, blob), "image/png");
  };
  image.src = url;
}

// ---- Measuring: time from now to the next painted frame (keystroke-to-paint).

// A text file of this site (a self-hosted lesson), refused past maxBytes or when the server
// answers with an error; same-origin only (the page checks too), never with credentials of
// another site.
export async function fetchText(url, maxBytes) {
  const response = await fetch(url, { credentials: "same-origin", mode: "same-origin" });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  const text = await response.text();
  if (text.length > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
  return text;
}

export function afterPaint(callback) {
  requestAnimationFrame(() => setTimeout(callback, 0));
}

// ---- The pre-rendered first view (static/loader.js) gives way to the app (src/ui/prerender.rs).

// Just before the app mounts: the text the reader typed into the pre-render, if any.
export function prerenderHandover() {
  const loader = window.svcplayLoader;
  const text = loader && loader.handover ? loader.handover() : undefined;
  return typeof text === "string" ? text : undefined;
}

// Once the app shows its start: the loader restores the editor's selection, scroll and
// focus and replays what was clicked meanwhile.
export function prerenderLive() {
  const loader = window.svcplayLoader;
  if (loader && loader.live) loader.live();
}
