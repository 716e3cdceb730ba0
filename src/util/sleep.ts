/**
 * Waits `ms`, or less when `signal` aborts (Ctrl-C while a command waits to poll again); not at all
 * when it already has (Ctrl-C during the work before the wait).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}
