// Web push, through the daemon's push routes. Until a daemon has them (404) push is shown as not
// available rather than as an error.
import { ApiError, api } from "../api/http.js";

export type PushState = "unsupported" | "unavailable" | "denied" | "off" | "on";

function supported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

async function registration(): Promise<ServiceWorkerRegistration> {
  return navigator.serviceWorker.ready;
}

async function vapidKey(): Promise<string | null> {
  try {
    const { public_key } = await api<{ public_key: string }>("GET", "/api/push/vapid-public-key");
    return public_key;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export async function pushState(): Promise<PushState> {
  if (!supported()) return "unsupported";
  if ((await vapidKey()) === null) return "unavailable";
  if (Notification.permission === "denied") return "denied";
  const sub = await (await registration()).pushManager.getSubscription();
  return sub ? "on" : "off";
}

/** The base64url VAPID key as the bytes PushManager.subscribe wants. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export async function enablePush(): Promise<PushState> {
  const key = await vapidKey();
  if (key === null) return "unavailable";
  if ((await Notification.requestPermission()) !== "granted") return "denied";
  const reg = await registration();
  const sub =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(key),
    }));
  await api("POST", "/api/push/subscriptions", sub.toJSON());
  return "on";
}

export async function disablePush(): Promise<PushState> {
  const sub = await (await registration()).pushManager.getSubscription();
  if (sub) {
    await api("DELETE", "/api/push/subscriptions", { endpoint: sub.endpoint }).catch(
      (e: unknown) => {
        // Already gone on the daemon's side is what we wanted.
        if (!(e instanceof ApiError && e.status === 404)) throw e;
      },
    );
    await sub.unsubscribe();
  }
  return "off";
}

export async function sendTestPush(): Promise<void> {
  await api("POST", "/api/push/test", {});
}
