import { join } from "node:path";

/** Where the data directory came from, so `doctor` can say why it looked there. */
export type DataDirSource = "--dir" | "TRACKIO_DIR" | "HF_HOME" | "XDG_CACHE_HOME" | "default" | "demo";

export interface DataDir {
  path: string;
  source: DataDirSource;
}

/** Reads one environment variable, treating "no permission" like "unset" (a sandboxed binary). */
export function readEnv(name: string): string | undefined {
  try {
    const value = Deno.env.get(name);
    return value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}

function homeDir(): string {
  return readEnv("HOME") ?? readEnv("USERPROFILE") ?? ".";
}

/**
 * Trackio's own rule: `TRACKIO_DIR`, else `$HF_HOME/trackio`, else
 * `$XDG_CACHE_HOME/huggingface/trackio`, else `~/.cache/huggingface/trackio`; `--dir` wins over all.
 */
export function resolveDataDir(flag?: string, env: (name: string) => string | undefined = readEnv): DataDir {
  if (flag) return { path: flag, source: "--dir" };
  const trackioDir = env("TRACKIO_DIR");
  if (trackioDir) return { path: trackioDir, source: "TRACKIO_DIR" };
  const hfHome = env("HF_HOME");
  if (hfHome) return { path: join(hfHome, "trackio"), source: "HF_HOME" };
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return { path: join(xdg, "huggingface", "trackio"), source: "XDG_CACHE_HOME" };
  const home = env("HOME") ?? env("USERPROFILE") ?? homeDir();
  return { path: join(home, ".cache", "huggingface", "trackio"), source: "default" };
}

/**
 * Trackio's file name for a project: keeps letters, digits (any script, like Python's isalnum), `-`
 * and `_`; strips trailing spaces; `default` when nothing is left. `my.model` -> `mymodel`.
 * The result can never contain a path separator, so `../../etc/passwd` stays inside the data dir.
 */
export function canonicalProjectName(project: string): string {
  const kept = Array.from(project).filter((c) => /[\p{L}\p{N}_-]/u.test(c)).join("").trimEnd();
  return kept === "" ? "default" : kept;
}

export function projectDbPath(dir: string, project: string): string {
  return join(dir, `${canonicalProjectName(project)}.db`);
}

/**
 * Project names in a data directory: the stems of `*.db` files, sorted as Trackio sorts them
 * (code point order), registries (`registry-*`) left out. Missing directory: no projects.
 */
export function listProjectNames(dir: string): string[] {
  const names: string[] = [];
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if (!entry.name.endsWith(".db") || entry.name.startsWith("registry-")) continue;
      if (entry.isDirectory) continue;
      names.push(entry.name.slice(0, -3));
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return [];
    throw error;
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
