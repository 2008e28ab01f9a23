/*! svcplay embed.js: turns a docs page's YAML blocks into svcplay playgrounds.
 * <script src="https://your.site/svcplay/embed.js" defer></script>, then mark blocks with
 * <pre class="svcplay"> or <code class="language-yaml" data-svcplay>. Options, protocol and
 * recipes: docs/embedding.md. No dependencies; nothing is fetched until the reader clicks. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src || (window.svcplay && window.svcplay.scan)) return;

  // Stamped with the build's version by static/build/embed.mjs.
  var VERSION = "0.0.0-dev";
  var PROTOCOL = 1;
  // Longer frame URLs carry the scenario in a `load` message instead of the fragment (the
  // page's share-link limit, src/ui/share.rs LONG_LINK).
  var LINK_LIMIT = 8000;
  // The options: each `data-svcplay-NAME` attribute is the frame's URL parameter NAME.
  var PARAMETERS = ["view", "views", "mode", "node", "output", "readonly", "height", "lang",
    "theme", "run", "lesson", "step", "version"];
  var HOST_THEME_ATTRIBUTES = ["class", "data-theme", "data-bs-theme", "data-color-mode",
    "data-md-color-scheme"];
  var LABELS = { en: "Run in svcplay", "zh-CN": "在 svcplay 中运行" };

  // The playground is in the folder embed.js came from; another version in a folder beside it.
  var home = new URL("./", script.src);
  var origin = home.origin;
  var embeds = [];

  function attribute(element, name) {
    for (var e = element; e; e = e === element && e.parentElement && e.parentElement.tagName === "PRE" ? e.parentElement : null) {
      var value = e.getAttribute("data-svcplay-" + name);
      if (value !== null) return value;
    }
    return null;
  }

  function blocks(root) {
    // A <pre> marked itself, or the <code> marked inside a <pre> (what Markdown renderers
    // write for a fenced block with attributes), whichever of the two carries the mark.
    var found = root.querySelectorAll("pre.svcplay, pre[data-svcplay], code[data-svcplay]");
    return Array.prototype.filter.call(found, function (block) {
      return !block.hasAttribute("data-svcplay-done") && !(block.tagName === "PRE" && block.querySelector("code[data-svcplay]"));
    });
  }

  // A block's text as the reader sees it (highlighting spans dropped by textContent),
  // without blank lines around it.
  function textOf(block) {
    return block.textContent.replace(/^\s*\n/, "").replace(/\s+$/, "");
  }

  function language(value) {
    value = (value || "").toLowerCase();
    return value.indexOf("zh") === 0 ? "zh-CN" : value.indexOf("en") === 0 ? "en" : null;
  }

  // What the host page shows: its own switch first (an attribute or class on <html> or
  // <body>: Bootstrap, Docsy, MkDocs Material, mdBook, Tailwind's `dark`), else the system's.
  function hostTheme() {
    var elements = [document.documentElement, document.body];
    for (var i = 0; i < elements.length; i++) {
      var e = elements[i];
      if (!e) continue;
      var said = (e.getAttribute("data-theme") || e.getAttribute("data-bs-theme") || e.getAttribute("data-color-mode") || "").toLowerCase();
      if (said === "dark" || said === "light") return said;
      var material = e.getAttribute("data-md-color-scheme");
      if (material) return material === "slate" ? "dark" : "light";
      var c = e.classList;
      if (c.contains("dark") || c.contains("dark-mode") || c.contains("theme-dark") || c.contains("coal") || c.contains("navy") || c.contains("ayu")) return "dark";
      if (c.contains("light") || c.contains("light-mode") || c.contains("theme-light") || c.contains("rust")) return "light";
    }
    return window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function base64url(bytes) {
    var binary = "";
    for (var i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // The share-link fragment (`s1.` + DEFLATE + base64url of the share payload), or null
  // where the browser cannot compress (then the scenario goes in a `load` message).
  function fragment(text) {
    if (typeof CompressionStream === "undefined") return Promise.resolve(null);
    var stream = new CompressionStream("deflate");
    var writer = stream.writable.getWriter();
    writer.write(new TextEncoder().encode("svcplay-share 1\n\n" + text)).catch(function () {});
    writer.close().catch(function () {});
    return new Response(stream.readable).arrayBuffer().then(function (buffer) {
      return "s1." + base64url(new Uint8Array(buffer));
    }, function () { return null; });
  }

  function Embed(group) {
    var self = this;
    this.blocks = group;
    this.options = {};
    group.forEach(function (block) {
      warnUnknown(block);
      PARAMETERS.concat(["load"]).forEach(function (name) {
        var value = attribute(block, name);
        if (value !== null && !(name in self.options)) self.options[name] = value;
      });
      block.setAttribute("data-svcplay-done", "");
    });
    this.text = group.map(textOf).join("\n---\n") + "\n";
    this.ready = false;
    this.queue = [];
    var last = group[group.length - 1];
    var anchor = last.tagName === "CODE" && last.parentElement && last.parentElement.tagName === "PRE" ? last.parentElement : last;
    this.hide = group.length === 1 ? anchor : null;
    this.box = document.createElement("div");
    this.box.className = "svcplay-embed";
    this.box.setAttribute("data-svcplay-state", "idle");
    anchor.parentNode.insertBefore(this.box, anchor.nextSibling);
    var lang = language(this.options.lang) || language(document.documentElement.lang) || "en";
    this.button = document.createElement("button");
    this.button.type = "button";
    this.button.className = "svcplay-run";
    this.button.textContent = "\u25B6 " + LABELS[lang];
    setStyle(this.button, { font: "inherit", fontSize: "0.875em", cursor: "pointer", margin: "0.25em 0 1em",
      padding: "0.25em 0.75em", border: "1px solid currentColor", borderRadius: "6px", background: "transparent", color: "inherit" });
    this.button.addEventListener("click", function () { self.load(true); });
    this.box.appendChild(this.button);
    if (this.options.load === "eager") this.load();
  }

  // A misspelt option would be ignored without a word: the docs author hears of it.
  var KNOWN = PARAMETERS.concat(["load", "group", "done"]);
  function warnUnknown(block) {
    var elements = block.tagName === "CODE" && block.parentElement && block.parentElement.tagName === "PRE" ? [block, block.parentElement] : [block];
    elements.forEach(function (e) {
      Array.prototype.forEach.call(e.attributes, function (a) {
        var name = a.name.indexOf("data-svcplay-") === 0 ? a.name.slice("data-svcplay-".length) : null;
        if (name !== null && KNOWN.indexOf(name) < 0) {
          console.warn("svcplay: unknown option " + a.name + " (ignored); the options are data-svcplay-" + KNOWN.slice(0, -1).join(", -") + " (docs/embedding.md)");
        }
      });
    });
  }

  function setStyle(element, style) {
    // CSSOM, not style attributes, so that a host whose CSP forbids inline styles works.
    for (var name in style) element.style[name] = style[name];
  }

  // The frame's URL: the folder of the version asked for, the options, the scenario.
  Embed.prototype.url = function () {
    var o = this.options;
    var folder = o.version && o.version !== VERSION ? new URL("../" + encodeURIComponent(o.version) + "/", home) : home;
    var query = ["embed=1"];
    var theme = o.theme === "light" || o.theme === "dark" ? o.theme : hostTheme();
    var lang = language(o.lang) || language(document.documentElement.lang);
    PARAMETERS.forEach(function (name) {
      var value = name === "theme" ? theme : name === "lang" ? lang : name === "height" ? (o.height || "auto") : o[name];
      if (value === "" && name === "readonly") value = "1";
      if (value !== null && value !== undefined) query.push(name + "=" + encodeURIComponent(value));
    });
    return new URL("index.html?" + query.join("&"), folder).href;
  };

  Embed.prototype.load = function (clicked) {
    var self = this;
    if (this.frame) return;
    this.box.setAttribute("data-svcplay-state", "loading");
    var url = this.url();
    fragment(this.text).then(function (data) {
      var inUrl = data !== null && url.length + 1 + data.length <= LINK_LIMIT;
      // A scenario too long for the URL follows in a `load` message, and so do the commands
      // to run on it (they must not run on the page's default scenario).
      if (!inUrl) {
        url = url.replace(/&run=[^&]*/, "");
        self.send("load", self.text);
        if (self.options.run) self.send("run", self.options.run);
      }
      var frame = document.createElement("iframe");
      frame.src = inUrl ? url + "#" + data : url;
      frame.title = "svcplay" + (self.options.view ? ": " + self.options.view : "");
      frame.className = "svcplay-frame";
      frame.setAttribute("allow", "clipboard-write");
      frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-downloads");
      var fixed = /^\d+$/.test(self.options.height || "") ? Number(self.options.height) : 0;
      var lines = self.text.split("\n").length;
      setStyle(frame, { display: "block", boxSizing: "content-box", width: "calc(100% - 2px)", border: "1px solid rgba(128,128,128,.4)", borderRadius: "6px",
        height: (fixed || Math.min(lines, 30) * 20 + 140) + "px", margin: "0.25em 0 1em" });
      self.frame = frame;
      self.fixed = fixed;
      self.box.removeChild(self.button);
      self.box.appendChild(frame);
      // A single block is now the frame's editor; a group's blocks stay, with prose between.
      if (self.hide) self.hide.style.display = "none";
      if (clicked) frame.focus();
    });
  };

  // Messages wait until the frame is ready to hear them.
  Embed.prototype.send = function (type, value) {
    var message = { type: "svcplay:" + type, protocol: PROTOCOL, value: value };
    if (this.ready) this.frame.contentWindow.postMessage(message, origin);
    else this.queue.push(message);
  };

  Embed.prototype.hear = function (data) {
    var type = data.type.slice("svcplay:".length);
    if (type === "ready") {
      // A frame that starts again (reloaded) has lost its text, and what the reader typed in
      // it: it gets the latest back (nothing is queued by then).
      if (this.ready) this.frame.contentWindow.postMessage({ type: "svcplay:load", protocol: PROTOCOL, value: this.text, own: this.edited }, origin);
      this.ready = true;
      this.box.setAttribute("data-svcplay-state", "ready");
      if (this.options.version && data.version !== this.options.version) {
        console.warn("svcplay: a block written for svcplay " + this.options.version + " runs in " + data.version);
      }
      var queued = this.queue.splice(0);
      for (var i = 0; i < queued.length; i++) this.frame.contentWindow.postMessage(queued[i], origin);
    } else if (type === "resize" && !this.fixed && typeof data.value === "number") {
      this.frame.style.height = Math.max(80, Math.min(Math.ceil(data.value), 10000)) + "px";
    } else if (type === "state" && typeof data.value === "string") {
      this.text = data.value;
      // Whether it is the reader's own (typed, edited), which a reloaded frame must know.
      this.edited = data.edited === true;
    }
    // The host page's own scripts can follow along: svcplay:ready, :resize, :state, :error.
    this.box.dispatchEvent(new CustomEvent(data.type, { bubbles: true, detail: data }));
  };

  // Only the frames this script made, on the playground's origin, are heard.
  window.addEventListener("message", function (event) {
    if (event.origin !== origin) return;
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.type !== "string" || data.type.indexOf("svcplay:") !== 0) return;
    for (var i = 0; i < embeds.length; i++) {
      if (embeds[i].frame && embeds[i].frame.contentWindow === event.source) return embeds[i].hear(data);
    }
  });

  // theme=auto (the default) follows the host page, live.
  var shownTheme = null;
  function followTheme() {
    var theme = hostTheme();
    if (theme === shownTheme) return;
    shownTheme = theme;
    embeds.forEach(function (e) {
      if (e.frame && e.options.theme !== "light" && e.options.theme !== "dark") e.send("set-theme", theme);
    });
  }

  function scan(root) {
    var found = blocks(root || document);
    for (var i = 0; i < found.length; ) {
      var group = [found[i]];
      var name = attribute(found[i], "group");
      // Consecutive blocks of one group are one scenario (a Deployment, then its Service).
      while (name && i + group.length < found.length && attribute(found[i + group.length], "group") === name) {
        group.push(found[i + group.length]);
      }
      embeds.push(new Embed(group));
      i += group.length;
    }
    return embeds.length;
  }

  function start() {
    scan(document);
    shownTheme = hostTheme();
    var observer = new MutationObserver(followTheme);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: HOST_THEME_ATTRIBUTES });
    if (document.body) observer.observe(document.body, { attributes: true, attributeFilter: HOST_THEME_ATTRIBUTES });
    if (window.matchMedia) {
      var query = matchMedia("(prefers-color-scheme: dark)");
      if (query.addEventListener) query.addEventListener("change", followTheme);
    }
  }

  // For pages that add blocks later (single-page docs sites): svcplay.scan(element).
  window.svcplay = { version: VERSION, protocol: PROTOCOL, scan: scan, embeds: embeds };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
