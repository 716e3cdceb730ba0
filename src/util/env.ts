/** Reads one environment variable, treating "no permission" like "unset" (a sandboxed binary) and "" too. */
export function readEnv(name: string): string | undefined {
  try {
    const value = Deno.env.get(name);
    return value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}
