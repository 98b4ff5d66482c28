// Tether's service worker: keeps the app shell so the app opens without the network, shows web
// push notifications, and answers them: an approval's buttons resolve it and an awaiting-input
// notification's inline reply sends the message, both without opening the app. The API and
// streams always go to the network: stale data would mislead.
const CACHE = "tether-shell-v1";
const SHELL = ["/", "/manifest.webmanifest", "/icon.svg", "/icon-192.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/external/")) return;
  // Hashed assets never change: cache first. The shell: network first, so a new build shows at
  // once, falling back to the cached copy when offline.
  if (url.pathname.startsWith("/assets/")) {
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ??
          fetch(request).then((res) => {
            if (res.ok) {
              const copy = res.clone();
              caches.open(CACHE).then((cache) => cache.put(request, copy));
            }
            return res;
          }),
      ),
    );
    return;
  }
  if (request.mode === "navigate" || SHELL.includes(url.pathname)) {
    event.respondWith(
      fetch(request)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            caches
              .open(CACHE)
              .then((cache) => cache.put(request.mode === "navigate" ? "/" : request, copy));
          }
          return res;
        })
        .catch(() =>
          caches
            .match(request.mode === "navigate" ? "/" : request)
            .then((hit) => hit ?? Response.error()),
        ),
    );
  }
});

// ---------- notifications ----------
// The daemon's pushes (src/notify/push-payload.ts):
//   {title, body, tag, actions?, data: {url, kind, session_id, approval_id, options?}}
//   {type: "resolved", title, body, tag, data}: the approval of that tag was answered elsewhere.
// A notification this worker shows after an answer has data.kind "answered" (or "failed").

self.addEventListener("push", (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch {
    payload = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(payload.type === "resolved" ? withdraw(payload) : show(payload));
});

async function show(payload) {
  const title = typeof payload.title === "string" ? payload.title : "Tether";
  const data = payload.data && typeof payload.data === "object" ? payload.data : {};
  const url = typeof data.url === "string" ? data.url : "/";
  const tag = typeof payload.tag === "string" ? payload.tag : url;
  // Push services may reorder: a question that arrives after word of its answer stays answered
  // (that line is still on screen, so this push showed something).
  if (data.kind === "approval") {
    const same = await self.registration.getNotifications({ tag });
    if (same.some((n) => n.data?.kind === "answered")) return;
  }
  const max = self.Notification?.maxActions ?? 2;
  return self.registration.showNotification(title, {
    body: typeof payload.body === "string" ? payload.body : "",
    icon: "/icon-192.png",
    badge: "/icon-192.png",
    // One notification per thing that needs you: a newer one about it replaces the older.
    tag,
    actions: Array.isArray(payload.actions) ? payload.actions.slice(0, max) : [],
    data: {
      url,
      kind: data.kind,
      session_id: data.session_id ?? null,
      approval_id: data.approval_id ?? null,
      options: Array.isArray(data.options) ? data.options : [],
    },
  });
}

/**
 * The approval was answered elsewhere: its question is closed. Browsers want every push to show
 * something (userVisibleOnly): Chrome accepts one after which a notification of the site is still
 * shown or a page of it is visible, and otherwise spends a small budget, then shows its own "This
 * site has been updated in the background"; Safari revokes the subscription of a site that keeps
 * pushing silently. So the question is only closed outright when that leaves something on screen;
 * otherwise it is replaced, quietly (no sound, no vibration), by a line saying how it ended.
 */
async function withdraw(payload) {
  const tag = typeof payload.tag === "string" ? payload.tag : "";
  const isQuestion = (n) =>
    n.tag === tag && n.data?.kind !== "answered" && n.data?.kind !== "failed";
  const shown = await self.registration.getNotifications();
  for (const n of shown) if (isQuestion(n)) n.close();
  const rest = shown.filter((n) => !isQuestion(n));
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  if (rest.length > 0 || windows.some((w) => w.visibilityState === "visible")) return;
  const data = payload.data && typeof payload.data === "object" ? payload.data : {};
  await note(tag, payload.title, payload.body, { url: data.url, kind: "answered", quiet: true });
}

self.addEventListener("notificationclick", (event) => {
  const n = event.notification;
  n.close();
  event.waitUntil(onClick(n, event.action ?? "", event.reply));
});

function onClick(n, action, reply) {
  const data = n.data ?? {};
  const answer = /^answer-(\d+)$/.exec(action);
  const option =
    answer && Array.isArray(data.options) ? data.options[Number(answer[1])] : undefined;
  if (typeof option === "string" && typeof data.approval_id === "string") {
    return answerApproval(n, data, option);
  }
  if (action === "reply" && typeof data.session_id === "string") {
    // An inline reply where the browser has one; elsewhere the button opens the composer.
    if (typeof reply === "string" && reply.trim() !== "") return sendReply(n, data, reply.trim());
    return openApp(`${data.url}?reply=1`);
  }
  return openApp(data.url);
}

async function answerApproval(n, data, option) {
  const path = `/api/approvals/${encodeURIComponent(data.approval_id)}/resolve`;
  const failed = await post(path, { option });
  if (!failed)
    return note(n.tag, `${option} ✓`, n.title, { url: data.url, kind: "answered", quiet: true });
  return note(n.tag, `Not answered: ${n.title}`, failed, { url: data.url, kind: "failed" });
}

async function sendReply(n, data, text) {
  const failed = await post(`/api/sessions/${encodeURIComponent(data.session_id)}/input`, { text });
  if (!failed) return note(n.tag, "Sent ✓", text, { url: data.url, kind: "answered", quiet: true });
  return note(n.tag, `Not sent: ${n.title}`, failed, { url: data.url, kind: "failed" });
}

/**
 * POSTs to the daemon as this paired browser: a same-origin fetch carries its cookie (so the
 * answer is recorded as web:<device>) and Origin, which the daemon asks of a cookie's writes.
 * Undefined when it was taken, else why not, in words for the notification.
 */
async function post(path, body) {
  let res;
  try {
    res = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    return "Tether could not be reached. Tap to open it.";
  }
  if (res.ok) return undefined;
  const error = await res.json().then(
    (b) => b?.error ?? {},
    () => ({}),
  );
  if (res.status === 401) return "This browser is no longer paired with Tether. Tap to pair again.";
  if (error.code === "approval_already_resolved") {
    const d = error.details ?? {};
    if (d.status === "cancelled") return "No longer needed: the agent stopped waiting.";
    return `Already answered by ${d.decided_by}: ${d.decision}.`;
  }
  return typeof error.message === "string" ? error.message : `Tether answered ${res.status}.`;
}

/** A line after an answer, in place of the question (same tag). Quiet when all went well. */
function note(tag, title, body, { url, kind, quiet = false }) {
  return self.registration.showNotification(typeof title === "string" ? title : "Tether", {
    body: typeof body === "string" ? body : "",
    icon: "/icon-192.png",
    badge: "/icon-192.png",
    tag,
    silent: quiet,
    data: { url: typeof url === "string" ? url : "/", kind },
  });
}

function openApp(url) {
  const target = new URL(typeof url === "string" ? url : "/", self.location.origin).href;
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    const same = windows.find((w) => w.url === target);
    if (same) return same.focus();
    const any = windows.find((w) => new URL(w.url).origin === self.location.origin);
    if (any) return any.navigate(target).then((w) => (w ?? any).focus());
    return self.clients.openWindow(target);
  });
}
