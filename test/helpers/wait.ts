/** Polls `check` until it returns something other than undefined/false, or fails after the
 * timeout with a message saying what was awaited. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; what?: string | (() => string); intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const what =
        typeof options.what === "function" ? options.what() : (options.what ?? "condition");
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 10));
  }
}
