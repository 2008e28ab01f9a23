// svcplay's loader: the first script of index.html (Trunk inlines this file into <head>).
//
// 1. At once, before anything is painted: the reader's language, theme and text size on
//    <html>, chosen as the app chooses them (src/ui/start.rs), so the first paint already
//    looks like the app.
// 2. At the end of <body> (`svcplayLoader.start()`): on a fresh visit — no fragment (share
//    link, example, lesson), no query but the language, the theme and the default view, no
//    saved work in this browser, not an embed — the page shows the default lab as the app
//    itself rendered it at build time (static/build/prerender.mjs captured it from the built
//    page in headless Chromium: one template per language and theme), with its rules on
//    screen and a real textarea taking input, and fetches the app's module (the wasm and its
//    glue: Trunk's tags, moved into the template "svcplay-app") after the first paint when
//    the browser is idle, or at once on the reader's first interaction. Anything else loads
//    the app at once, as before: the default lab is never shown over a link or saved work.
// 3. When the app starts it takes over (static/glue.js calls `handover` just before it mounts
//    and `live` once it shows its start): the text typed meanwhile becomes the reader's edit
//    (src/ui/prerender.rs), and the selection, scroll position and focus come back; a control
//    clicked or changed, or a key pressed, before then shows a short loading state and is
//    replayed on the same control of the app.
// Timings for the end-to-end report go on <html> as data-prerender-*-ms attributes.
(function () {
  "use strict";
  var root = document.documentElement;
  var query = new URLSearchParams(location.search);
  var embed = query.has("embed") && ["", "1", "true"].indexOf(query.get("embed")) >= 0;
  function kept(key) {
    try {
      return embed ? null : localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }
  // Lang::parse (src/lang.rs): "en", "en-…", "en_…", the same for "zh"; anything else none.
  function parseLang(code) {
    var l = String(code || "").toLowerCase();
    if (l === "en" || /^en[-_]/.test(l)) return "en";
    if (l === "zh" || /^zh[-_]/.test(l)) return "zh";
    return null;
  }
  function browserLang() {
    var all = navigator.languages || [navigator.language || ""];
    for (var i = 0; i < all.length; i++) {
      if (parseLang(all[i])) return parseLang(all[i]);
    }
    return null;
  }
  var lang = parseLang(query.get("lang")) || parseLang(kept("svcplay.lang")) || browserLang() || "en";
  var theme = query.get("theme");
  if (theme !== "dark" && theme !== "light") theme = kept("svcplay.theme");
  if (theme !== "dark" && theme !== "light") {
    theme = window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  root.lang = lang === "zh" ? "zh-CN" : "en";
  root.setAttribute("data-theme", theme);
  var size = /size=(\d+)/.exec(kept("svcplay.prefs") || "");
  var scale = size ? size[1] / 100 : 1;
  if (size) root.style.setProperty("--scale", String(scale));

  function now() {
    return Math.round(performance.now());
  }
  function stamp(name) {
    if (!root.hasAttribute("data-prerender-" + name + "-ms")) {
      root.setAttribute("data-prerender-" + name + "-ms", String(now()));
    }
  }

  // The app's module: Trunk's own tags (the module script that imports the glue and starts
  // the wasm, the preloads), inserted as they are; the first modulepreload stays the glue's,
  // which static/glue.js hands to the Web Worker.
  var requested = false;
  function loadApp() {
    if (requested) return;
    requested = true;
    stamp("requested");
    var app = document.getElementById("svcplay-app");
    if (app) document.head.appendChild(document.importNode(app.content, true));
  }

  // The pre-render on show, and what the reader did on it before the app arrived.
  var shown = null; // {editor, scroll: [top, left], touched, then at handover: selection, focused, active}
  var pending = []; // interactions to replay on the app: {kind, path, text, value, key…}

  // A node's place under <body>, as child indices: the app renders the same tree.
  function pathOf(node) {
    var path = [];
    while (node && node !== document.body && node.parentNode) {
      path.unshift(Array.prototype.indexOf.call(node.parentNode.children, node));
      node = node.parentNode;
    }
    return node === document.body ? path : null;
  }
  function atPath(path) {
    var node = document.body;
    for (var i = 0; node && path && i < path.length; i++) node = node.children[path[i]];
    return path ? node : null;
  }
  // The app's element at the place of one of the pre-render's, if it is the same control.
  function counterpart(record) {
    var node = record.id ? document.getElementById(record.id) : atPath(record.path);
    if (!node || node.tagName !== record.tag) return null;
    if (!record.id && (node.textContent || "").trim() !== record.text) return null;
    return node;
  }
  function describe(node) {
    return {
      path: pathOf(node),
      id: node.id || "",
      tag: node.tagName,
      text: (node.textContent || "").trim(),
    };
  }
  function waiting() {
    root.setAttribute("data-prerender", "loading");
    loadApp();
  }

  function plainEditor() {
    root.setAttribute("data-prerender-editor", "plain");
  }

  function show(template) {
    var boot = document.getElementById("boot");
    var status = boot && boot.querySelector(".boot-loading");
    var view = document.importNode(template.content, true);
    if (boot) boot.replaceWith(view);
    else document.body.insertBefore(view, document.body.firstChild);
    if (status) {
      // "Loading the playground…", shown while a click waits for the app.
      status.className = "boot prerender-status";
      document.body.appendChild(status);
    }
    if (template.getAttribute("data-title")) document.title = template.getAttribute("data-title");
    root.setAttribute("data-prerender", "shown");
    var scrolled = document.querySelectorAll("[data-prerender-scroll]");
    for (var i = 0; i < scrolled.length; i++) {
      var at = scrolled[i].getAttribute("data-prerender-scroll").split(",");
      scrolled[i].scrollTop = +at[0];
      scrolled[i].scrollLeft = +at[1];
    }
    var editor = document.getElementById("editor");
    shown = { editor: editor, scroll: [0, 0], touched: false };
    if (editor) {
      var caret = (editor.getAttribute("data-prerender-selection") || "").split(",");
      if (caret.length === 2) editor.setSelectionRange(+caret[0], +caret[1]);
      ["focus", "pointerdown", "input", "select"].forEach(function (type) {
        editor.addEventListener(type, function () {
          shown.touched = true;
        });
      });
      var want = (editor.getAttribute("data-prerender-scroll") || "0,0").split(",");
      shown.scroll = [editor.scrollTop, editor.scrollLeft];
      // The highlighted layer is drawn for the scroll position of the build's capture; at
      // another text size, or where this window cannot scroll the text as far, the
      // textarea shows its own text instead (so does typing or scrolling in it).
      if (scale !== 1 || editor.scrollTop !== +want[0] || editor.scrollLeft !== +want[1]) plainEditor();
      editor.addEventListener("scroll", function () {
        shown.scroll = [editor.scrollTop, editor.scrollLeft];
        if (editor.scrollTop !== +want[0] || editor.scrollLeft !== +want[1]) plainEditor();
      });
      editor.addEventListener("input", plainEditor);
    }
    listen();
    // After the first paint, when the browser has nothing else to do.
    requestAnimationFrame(function () {
      stamp("painted");
      setTimeout(function () {
        if (window.requestIdleCallback) requestIdleCallback(loadApp, { timeout: 2000 });
        else setTimeout(loadApp, 200);
      }, 0);
    });
  }

  function listen() {
    var first = function () {
      stamp("interaction");
      loadApp();
    };
    ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (type) {
      document.addEventListener(type, first, { capture: true, passive: true });
    });
    // A control of the app clicked before it arrived: waits, then the app's own is clicked.
    document.addEventListener(
      "click",
      function (event) {
        if (!shown || event.target === shown.editor) return;
        var control = event.target.closest && event.target.closest("button, [role=tab], [role=button], summary, label, [role=separator]");
        if (!control) return;
        event.preventDefault();
        event.stopPropagation();
        var record = describe(control);
        record.kind = "click";
        pending.push(record);
        waiting();
      },
      true
    );
    // A choice made natively (a select, a checkbox) is made again on the app's control.
    document.addEventListener(
      "change",
      function (event) {
        var control = event.target;
        if (!shown || control === shown.editor || !control.tagName) return;
        var record = describe(control);
        record.kind = "change";
        record.value = control.value;
        record.checked = !!control.checked;
        pending.push(record);
        waiting();
      },
      true
    );
    document.addEventListener(
      "keydown",
      function (event) {
        if (!shown || ["Shift", "Control", "Alt", "Meta"].indexOf(event.key) >= 0) return;
        var target = event.target;
        if (target === shown.editor) {
          // The app's editor indents on Tab; here it would leave the editor: wait instead.
          if (event.key === "Tab" && !event.ctrlKey && !event.altKey && !event.metaKey) {
            event.preventDefault();
            waiting();
          }
          return;
        }
        // Keys that move focus, or that a focused control turns into a click, work here.
        if (event.key === "Tab") return;
        if (/^(BUTTON|SUMMARY|A)$/.test(target.tagName) && (event.key === "Enter" || event.key === " ")) return;
        if (/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
        // A shortcut (a view's number, arrow keys in the tab list…): the app answers it.
        event.preventDefault();
        var record = describe(target === document.body ? document.body : target);
        record.kind = "key";
        record.key = event.key;
        record.code = event.code;
        record.mods = [event.ctrlKey, event.shiftKey, event.altKey, event.metaKey];
        pending.push(record);
        waiting();
      },
      true
    );
  }

  window.svcplayLoader = {
    // Called once, at the end of <body>: the pre-render or the app at once.
    start: function () {
      var template = document.getElementById("prerender-" + lang + "-" + theme);
      if (template && !location.hash && !embed && freshQuery(template) && !savedWork()) {
        show(template);
      } else {
        loadApp();
      }
    },
    // Just before the app mounts (it replaces everything in <body>): what the reader typed,
    // if they changed the text; the rest is kept here for `live`.
    handover: function () {
      if (!shown || !shown.editor) return undefined;
      var e = shown.editor;
      shown.selection = [e.selectionStart, e.selectionEnd, e.selectionDirection];
      shown.focused = document.activeElement === e;
      shown.active = document.activeElement && document.activeElement !== document.body ? describe(document.activeElement) : null;
      shown.text = e.value !== e.defaultValue ? e.value : undefined;
      return shown.text;
    },
    // The app shows its start: selection, scroll and focus back, the waiting clicks, choices
    // and keys replayed on the app's own controls.
    live: function () {
      stamp("live");
      var was = shown;
      shown = null;
      root.removeAttribute("data-prerender");
      root.removeAttribute("data-prerender-editor");
      if (!was) return;
      var editor = document.getElementById("editor");
      // The editor as the reader left it, if they came to it at all (else as the app put it).
      if (editor && was.selection && was.touched) {
        // The app took the typed text as an edit (src/ui/start.rs); its textarea still shows
        // the lab's: the text goes in as one undoable edit, which the editor hears as input.
        if (was.text !== undefined && editor.value !== was.text) {
          editor.focus();
          editor.select();
          var inserted = false;
          try {
            inserted = document.execCommand("insertText", false, was.text);
          } catch (e) {
            inserted = false;
          }
          if (!inserted || editor.value !== was.text) {
            editor.value = was.text;
            editor.dispatchEvent(new Event("input", { bubbles: true }));
          }
        }
        if (was.focused) editor.focus();
        else if (document.activeElement === editor) editor.blur();
        try {
          editor.setSelectionRange(was.selection[0], was.selection[1], was.selection[2] || "none");
        } catch (e) {
          /* a text shorter than the selection: the app's caret stays */
        }
        editor.scrollTop = was.scroll[0];
        editor.scrollLeft = was.scroll[1];
        // The editor reads the caret's line and column (its readout) on key-up: a key that
        // moves nothing makes it read them now.
        editor.dispatchEvent(new KeyboardEvent("keyup", { key: "Shift", bubbles: true }));
      }
      if (was.active && !was.focused) {
        var active = counterpart(was.active);
        if (active && active.focus) active.focus();
      }
      pending.splice(0).forEach(function (record) {
        var node = record.kind === "key" && record.tag === "BODY" ? document.body : counterpart(record);
        if (!node) return;
        if (record.kind === "click") {
          node.click();
        } else if (record.kind === "change") {
          node.value = record.value;
          node.checked = record.checked;
          node.dispatchEvent(new Event("input", { bubbles: true }));
          node.dispatchEvent(new Event("change", { bubbles: true }));
        } else if (record.kind === "key") {
          if (node !== document.body && node.focus) node.focus();
          node.dispatchEvent(
            new KeyboardEvent("keydown", {
              key: record.key,
              code: record.code,
              ctrlKey: record.mods[0],
              shiftKey: record.mods[1],
              altKey: record.mods[2],
              metaKey: record.mods[3],
              bubbles: true,
              cancelable: true,
            })
          );
        }
      });
    },
  };

  // The query a fresh visit may carry: the language, the theme, and what the app itself puts
  // in the address bar for the default lab (the capture's, e.g. `view=rules`).
  function freshQuery(template) {
    var own = new URLSearchParams(template.getAttribute("data-query") || "");
    var fresh = true;
    query.forEach(function (value, key) {
      if (key !== "lang" && key !== "theme" && own.get(key) !== value) fresh = false;
    });
    return fresh;
  }
  // Work this browser kept: a draft (src/ui/storage.rs, `svcplay.text`), or an analysis
  // left unfinished (the safe start).
  function savedWork() {
    return /\S/.test(kept("svcplay.text") || "") || kept("svcplay.analysing") !== null;
  }
})();
