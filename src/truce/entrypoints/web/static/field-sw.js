// The field page's service worker (docs/field.md), served as /field/sw.js with
// Service-Worker-Allowed: /field. It keeps the page shell (the filing page, "my reports" as
// last seen, the style sheets, the script) so that the page opens with no connection after
// one visit online. It never keeps or answers anything else: the session check, the sync and
// every other page go to the network untouched. Observations live in IndexedDB (field.js),
// not here.
"use strict";

// A new name when the shell changes; the old cache is dropped on activation.
const CACHE = "truce-field-v2";
const PAGES = ["/field", "/field/mine"];
const ASSETS = ["/static/truce.css", "/static/field.css", "/static/field.js", "/static/favicon.svg"];
// How long a page request may wait for the network before the kept copy is shown.
const NETWORK_WAIT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS);
      // Pages need the session: kept only when they really are the page (not a redirect to
      // the sign-in form).
      await Promise.all(PAGES.map((path) => refresh(cache, new Request(path)).catch(() => {})));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("truce-field-") && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

async function refresh(cache, request) {
  const response = await fetch(request, { credentials: "same-origin", cache: "no-store" });
  const url = new URL(request.url);
  // Only the first page of each is kept (an older page of "my reports" is not the shell).
  if (response.ok && !response.redirected && response.type === "basic" && !url.search) {
    await cache.put(url.pathname, response.clone());
  }
  return response;
}

function shellPath(url) {
  return PAGES.includes(url.pathname) ? url.pathname : null;
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

// Pages: the network first (fresh reports, a fresh CSRF token), the kept copy when offline.
async function page(request, path) {
  const cache = await caches.open(CACHE);
  const fromNetwork = refresh(cache, request);
  // Still running after a timeout: it refreshes the kept copy, and may fail quietly.
  fromNetwork.catch(() => {});
  try {
    return await withTimeout(fromNetwork, NETWORK_WAIT_MS);
  } catch {
    const kept = await cache.match(path);
    if (kept) return kept;
    return fromNetwork;
  }
}

// Assets: the kept copy at once, refreshed in the background for the next visit.
async function asset(request, path) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(path);
  const fromNetwork = fetch(request)
    .then(async (response) => {
      if (response.ok) await cache.put(path, response.clone());
      return response;
    })
    .catch(() => undefined);
  if (kept) {
    fromNetwork.catch(() => {});
    return kept;
  }
  return (await fromNetwork) || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const path = shellPath(url);
  if (path && request.mode === "navigate") {
    event.respondWith(page(request, path));
  } else if (path) {
    // The page's script reading "my reports" again after a sync: the network only (it says
    // itself when the list is the one kept), and the kept copy follows the fresh one.
    event.respondWith(caches.open(CACHE).then((cache) => refresh(cache, request)));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(asset(request, url.pathname));
  }
});
