/*
 * clubsync's service worker: precaches the app shell (index.html, JS, CSS, wasm, manifest,
 * icons) so the app opens with no signal after one visit online. The list and the version are
 * filled in by the build (vite.config.ts); a new build makes a new cache and drops the old one.
 *
 * Only GET requests under /app/ are answered; /sync, /api and everything else go to the
 * network untouched. Pages are served from the cache first (the records are in IndexedDB, not
 * here), so a reload in a dead zone is instant.
 */
const VERSION = self.__VERSION__
const SHELL = self.__SHELL__
const CACHE = `clubsync-shell-${VERSION}`

self.addEventListener("install", event => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(cache => cache.addAll(SHELL.map(url => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting())
  )
})

self.addEventListener("activate", event => {
  event.waitUntil(
    caches
      .keys()
      .then(keys => Promise.all(keys.filter(k => k.startsWith("clubsync-shell-") && k !== CACHE).map(k => caches.delete(k))))
      .then(() => self.clients.claim())
  )
})

self.addEventListener("fetch", event => {
  const request = event.request
  if (request.method !== "GET") return
  const url = new URL(request.url)
  const scope = new URL(self.registration.scope)
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return
  if (request.mode === "navigate") {
    event.respondWith(
      caches.match(scope.href, { cacheName: CACHE }).then(cached => cached || fetch(request))
    )
    return
  }
  event.respondWith(
    caches.match(request, { cacheName: CACHE, ignoreSearch: true }).then(cached => cached || fetch(request))
  )
})
