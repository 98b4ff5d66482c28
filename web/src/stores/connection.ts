import { computed, reactive } from "vue";

/** Each live stream reports whether it is connected; the indicator shows the worst of them. */
const streams = reactive(new Map<string, boolean>());

export function reportStream(name: string, open: boolean): void {
  streams.set(name, open);
}

export function forgetStream(name: string): void {
  streams.delete(name);
}

export type ConnectionStatus = "live" | "connecting";

export const connectionStatus = computed<ConnectionStatus>(() =>
  [...streams.values()].every(Boolean) ? "live" : "connecting",
);
