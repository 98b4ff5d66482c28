// The time, as a ref that moves every 30 s: an approval's age on its card ("5 min ago") keeps up
// without each card running a timer of its own.
import { ref } from "vue";

export const now = ref(Date.now());

if (typeof window !== "undefined") {
  setInterval(() => {
    now.value = Date.now();
  }, 30_000);
}
