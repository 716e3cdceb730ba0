import { join } from "node:path";

/** Where the token came from, for `doctor` (never the token itself). */
export type TokenSource = "--hf-token" | "HF_TOKEN" | "token file" | "none";

/**
 * The Hugging Face token, as the Hugging Face CLI finds it: the flag, else `HF_TOKEN`, else the file
 * `huggingface-cli login` writes (`$HF_TOKEN_PATH`, else `$HF_HOME/token`, else
 * `$XDG_CACHE_HOME/huggingface/token`, else `~/.cache/huggingface/token`).
 */
export function findHfToken(
  flag: string | undefined,
  env: (name: string) => string | undefined,
): { token?: string; source: TokenSource } {
  if (flag) return { token: flag.trim(), source: "--hf-token" };
  const fromEnv = env("HF_TOKEN");
  if (fromEnv) return { token: fromEnv.trim(), source: "HF_TOKEN" };
  const home = env("HOME") ?? env("USERPROFILE");
  const cache = env("XDG_CACHE_HOME") ?? (home ? join(home, ".cache") : undefined);
  const hfHome = env("HF_HOME") ?? (cache ? join(cache, "huggingface") : undefined);
  const file = env("HF_TOKEN_PATH") ?? (hfHome ? join(hfHome, "token") : undefined);
  if (file) {
    try {
      const token = Deno.readTextFileSync(file).trim();
      if (token) return { token, source: "token file" };
    } catch {
      // No token file: a public Space needs none.
    }
  }
  return { source: "none" };
}
