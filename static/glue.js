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

// Rejects when the data is not a complete, intact zlib stream of UTF-8 text.
export async function inflate(text) {
  const bytes = await through(new DecompressionStream("deflate"), fromBase64Url(text));
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

export function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// Reads a file the user picked (Import).
export function pickFile(onText) {
  const input = document.createElement("input");
  input.type = "file";
  input.accept = ".yaml,.yml,.json,.txt,text/*";
  input.onchange = () => {
    const file = input.files && input.files[0];
    if (file) file.text().then(onText, () => {});
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
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

export function replaceAll(area, text) {
  if (area.value === text) return;
  if (text.length > 200000) {
    // Very large texts: the undo stack would copy them; set the value directly.
    area.value = text;
    area.dispatchEvent(new Event("input", { bubbles: true }));
    return;
  }
  area.focus();
  area.select();
  insertText(area, text);
  area.setSelectionRange(0, 0);
  area.scrollTop = 0;
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

// ---- Measuring: time from now to the next painted frame (keystroke-to-paint).

export function afterPaint(callback) {
  requestAnimationFrame(() => setTimeout(callback, 0));
}
