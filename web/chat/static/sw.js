// Linli's service worker: the chat as an installable app, its offline page, and Web Push.
// Served at /sw.js (scope "/"). Pages go to the network; only when it fails does the
// cached offline page stand in. A push shows its title and short text; a tap opens the
// chat at that message (or brings an open chat window there).
"use strict";
const CACHE = "linli-offline-v1";
const OFFLINE = "/offline";
const KEPT = [OFFLINE, "/static/chat/chat.css", "/static/chat/icon-192.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(KEPT)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE)));
    return;
  }
  const url = new URL(request.url);
  if (url.origin === self.location.origin && KEPT.includes(url.pathname)) {
    event.respondWith(fetch(request).catch(() => caches.match(url.pathname)));
  }
});

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "邻里 Linli", {
    body: data.body || "",
    icon: "/static/chat/icon-192.png",
    badge: "/static/chat/icon-192.png",
    tag: "linli-chat",
    renotify: true,
    data: { url: typeof data.url === "string" && data.url.startsWith("/") ? data.url : "/" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (new URL(client.url).origin !== self.location.origin) continue;
      const moved = "navigate" in client ? await client.navigate(target).catch(() => null) : null;
      return (moved || client).focus();
    }
    return self.clients.openWindow(target);
  })());
});
