// Hash routes: the daemon serves one page, and a hash change never reaches the server (so a
// pairing link's token stays out of its logs).
import { ref } from "vue";

export type Route =
  | { name: "inbox" }
  | { name: "sessions"; state: string | null }
  | { name: "session"; id: string }
  | { name: "new" }
  | { name: "settings" }
  | { name: "pair"; token: string | null };

export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean);
  switch (parts[0]) {
    case "sessions":
      // `#/sessions/<id>` is the link notifications carry; `#/session/<id>` the app's own.
      if (parts[1]) return { name: "session", id: decodeURIComponent(parts[1]) };
      return { name: "sessions", state: params.get("state") };
    case "session":
      return parts[1] ? { name: "session", id: decodeURIComponent(parts[1]) } : { name: "inbox" };
    case "new":
      return { name: "new" };
    case "settings":
      return { name: "settings" };
    case "pair":
      return { name: "pair", token: params.get("token") };
    default:
      return { name: "inbox" };
  }
}

export const route = ref<Route>(parseRoute(location.hash));
window.addEventListener("hashchange", () => {
  route.value = parseRoute(location.hash);
});

export function go(path: string): void {
  location.hash = path;
}

/** Changes the route without a history entry, e.g. to drop a token from the address bar. */
export function replaceRoute(path: string): void {
  history.replaceState(null, "", `${location.pathname}${location.search}#${path}`);
  route.value = parseRoute(location.hash);
}
