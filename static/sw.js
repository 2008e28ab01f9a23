// svcplay's service worker: after the first visit the page works offline.
// Everything is same-origin and static. Navigations go to the network first (so a new
// version shows as soon as it is deployed) and fall back to the cached page; every other
// file is served from the cache first (Trunk puts a content hash in their names, and the
// worker and glue scripts are small and refreshed in the background).
const CACHE = "svcplay-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      // Cache the page and every file it names, so the next visit works offline.
      const response = await fetch("./", { cache: "no-cache" });
      const html = await response.clone().text();
      await cache.put("./", response);
      const urls = new Set(["worker.js", "sw.js"]);
      for (const match of html.matchAll(/(?:href|src)=["']?([^"' >]+)/g)) {
        const url = new URL(match[1], self.registration.scope);
        if (url.origin === self.location.origin) urls.add(url.href);
      }
      for (const match of html.matchAll(/from\s*["']([^"']+)["']|module_or_path:\s*[`'"]([^`'"]+)/g)) {
        const url = new URL(match[1] || match[2], self.registration.scope);
        if (url.origin === self.location.origin) urls.add(url.href);
      }
      await Promise.all([...urls].map((u) => cache.add(u).catch(() => {})));
      // The JS glue imports wasm-bindgen's snippets (./snippets/…): cache those too.
      for (const url of [...urls].filter((u) => u.endsWith(".js"))) {
        const response = await cache.match(url);
        if (!response) continue;
        const js = await response.text();
        for (const match of js.matchAll(/["'](\.\/snippets\/[^"']+)["']/g)) {
          await cache.add(new URL(match[1], url).href).catch(() => {});
        }
      }
    })
  );
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request)
        .then((response) => {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put("./", copy));
          return response;
        })
        .catch(() => caches.match("./"))
    );
    return;
  }
  event.respondWith(
    caches.match(request, { ignoreSearch: true }).then((cached) => {
      const network = fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => cached);
      return cached || network;
    })
  );
});
