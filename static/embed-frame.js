// The frame's side of svcplay's embedding protocol (docs/embedding.md), for src/ui/embed.rs:
// the messages svcplay sends to the page that frames it, the one listener for that page's
// messages, and the content's height for an auto-height frame.

// Every message goes to the parent only; each carries the protocol's version.
function post(protocol, type, fields) {
  if (window.parent === window) return;
  window.parent.postMessage(Object.assign({ type: "svcplay:" + type, protocol }, fields), "*");
}

export function postReady(protocol, version) {
  post(protocol, "ready", { version });
}

export function postState(protocol, text, edited, view, mode, node, errors, warnings) {
  post(protocol, "state", { value: text, edited, view, mode: mode || null, node, errors, warnings });
}

export function postError(protocol, code, about) {
  post(protocol, "error", { value: code, about });
}

// Hears the parent window only (never a sibling frame, a popup or this frame itself), and
// only `{type: "svcplay:…", value: "…"}` (with `own: true` on a `load` of the reader's text): a value that is not a string, or longer than the
// scenario size limit, is refused here, before it is copied into the wasm. (A string's
// length counts UTF-16 units, never more than its UTF-8 bytes, so nothing under the limit
// is refused; the exact byte count is checked again in Rust.)
export function listen(onMessage, maxLength) {
  window.addEventListener("message", (event) => {
    if (window.parent === window || event.source !== window.parent) return;
    const data = event.data;
    if (!data || typeof data !== "object" || typeof data.type !== "string") return;
    if (!data.type.startsWith("svcplay:") || data.type.length > 64) return;
    const kind = data.type.slice("svcplay:".length);
    const protocol = Number.isInteger(data.protocol) && data.protocol > 0 ? data.protocol : 1;
    const value = data.value === undefined ? "" : data.value;
    if (typeof value !== "string") {
      postError(1, "bad-value", kind);
      return;
    }
    if (value.length > maxLength) {
      postError(1, "too-large", kind);
      return;
    }
    onMessage(kind, value, Math.min(protocol, 0xffffffff), data.own === true);
  });
}

// Reports the content's height whenever it changes. In an auto-height embed the page is laid
// out at its content's height (style.css, `data-embed-height="auto"`), so the body's height is
// what the host should give the frame; a frame that fills its viewport reports the viewport.
export function watchHeight(protocol) {
  if (window.parent === window || typeof ResizeObserver === "undefined") return;
  let last = -1;
  const report = () => {
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      post(protocol, "resize", { value: height });
    }
  };
  new ResizeObserver(report).observe(document.body);
  report();
}

// The editor of an auto-height embed shows this many lines (style.css reads the variable).
export function setLines(lines) {
  document.body.style.setProperty("--svcplay-lines", String(lines));
}
