// A notification's "Reply" opens the session at `#/sessions/<id>?reply=1` where the browser has
// no inline reply (everywhere but Chrome on Android, Windows and Linux; ntfy too): the composer
// then gets the focus, so the human can type at once.
import { onMounted, onUnmounted, type Ref } from "vue";

const WANTS_REPLY = /[?&]reply=1(&|$)/;

/** Focuses `composer` whenever the address asks for a reply, then drops the ask from it. */
export function focusOnReplyLink(composer: Ref<HTMLTextAreaElement | null>): void {
  const check = () => {
    if (!WANTS_REPLY.test(location.hash) || !composer.value) return;
    composer.value.focus();
    const hash = location.hash.replace(/[?&]reply=1(?=&|$)/, "").replace(/\?&/, "?");
    history.replaceState(null, "", `${location.pathname}${location.search}${hash}`);
  };
  onMounted(check);
  window.addEventListener("hashchange", check);
  onUnmounted(() => window.removeEventListener("hashchange", check));
}
