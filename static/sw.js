// svcplay's service worker: after the first visit the page works offline.
//
// Each build has its own cache, `svcplay-BUILD`: static/build/version.mjs (a Trunk hook)
// writes the build's id and its list of files below, so a deploy changes this file, the
// browser installs the new worker, which caches exactly the new build's files (refusing to
// install if the page it fetches is of another build or any file fails), then deletes every
// older cache. Nothing else is ever written to a cache: it stays one build's files.
//
// Files whose names carry Trunk's content hash never change: they are served from the
// cache first. The page itself and the files whose URL stays the same across builds
// (wasm-bindgen's snippets, worker.js) are fetched from the network first, so a page
// fresh from the network never meets a stale script, and from the cache only offline;
// the cached page and those files come from the same build, so offline they agree.
const BUILD = "dev";
const FILES = [];
const CACHE = `svcplay-${BUILD}`;
const IMMUTABLE = /-[0-9a-f]{8,}(_bg)?\.[a-z]+$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const page = await fetch("./", { cache: "reload" });
      if (!page.ok) throw new Error(`svcplay: the page answered ${page.status}`);
      const html = await page.clone().text();
      if (BUILD !== "dev" && !html.includes(`content="${BUILD}"`)) {
        throw new Error("svcplay: the page on the server is of another build");
      }
      await cache.put("./", page);
      await cache.addAll(FILES.map((f) => new Request(f, { cache: "reload" })));
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("svcplay-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })()
  );
});

async function fromCache(request) {
  const cache = await caches.open(CACHE);
  return cache.match(request, { ignoreSearch: true });
}

async function networkFirst(request, fallback) {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await fromCache(fallback);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Any page of the scope (a 404 included) comes from the network; offline, the app.
    event.respondWith(networkFirst(request, new URL("./", self.registration.scope).href));
    return;
  }
  if (IMMUTABLE.test(url.pathname)) {
    event.respondWith(fromCache(request).then((cached) => cached || fetch(request)));
    return;
  }
  event.respondWith(networkFirst(request, request));
});
