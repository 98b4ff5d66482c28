// A call a button starts: while it runs the button says so, and if it fails its message is shown
// beside it. One place for the busy flag and the error every form of the app keeps.
import { type Ref, ref } from "vue";

export interface PendingCall {
  busy: Ref<boolean>;
  error: Ref<string | null>;
  /** Runs `call` unless one is running; its error's message is kept in `error`. */
  run(call: () => Promise<void>): Promise<void>;
}

export function pendingCall(): PendingCall {
  const busy = ref(false);
  const error = ref<string | null>(null);
  return {
    busy,
    error,
    async run(call) {
      if (busy.value) return;
      busy.value = true;
      error.value = null;
      try {
        await call();
      } catch (e) {
        error.value = (e as Error).message;
      } finally {
        busy.value = false;
      }
    },
  };
}
