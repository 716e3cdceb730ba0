import { dirname, join } from "node:path";
import { dataError, notFound, type TrackioCliError, usageError } from "../errors.ts";
import { readEnv } from "../util/env.ts";

/** Where the data directory came from, so `doctor` can say why it looked there. */
export type DataDirSource = "--dir" | "TRACKIO_DIR" | "HF_HOME" | "XDG_CACHE_HOME" | "default" | "demo";

export interface DataDir {
  path: string;
  source: DataDirSource;
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
    throw dataError(
      `cannot list ${shownPath(dir)}: ${
        error instanceof Error ? error.message.split(": ")[0] : String(error)
      }`,
    );
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Whether the user named the directory (`--dir`, `TRACKIO_DIR`): then a missing one is a mistake to
 * report, not "no data yet", and the bundled demo never stands in for it.
 */
export const namedByUser = (source: DataDirSource) => source === "--dir" || source === "TRACKIO_DIR";

/** Paths in messages, cut short: a path of thousands of characters would bury the message. */
export function shownPath(path: string): string {
  return path.length <= 200 ? path : `${path.slice(0, 120)}...${path.slice(-40)} (${path.length} characters)`;
}

/**
 * Why the data directory cannot be read, or undefined when it can. A missing directory is an error
 * only when the user named it: the default one does not exist until Trackio first logs.
 */
export function dataDirError({ path, source }: DataDir): TrackioCliError | undefined {
  const where = `data directory ${shownPath(path)} (from ${source})`;
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return namedByUser(source)
        ? notFound(`${where} does not exist`, "check the path: Trackio creates it when it first logs")
        : undefined;
    }
    if (error instanceof Deno.errors.NotADirectory) {
      return usageError(`${where} is inside a file, not a directory`);
    }
    if (error instanceof Deno.errors.PermissionDenied) return dataError(`${where}: permission denied`);
    if (errorCode(error) === "ENAMETOOLONG") {
      return usageError(`${where}: the path is too long for the file system`);
    }
    return dataError(`${where} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (info.isDirectory) return undefined;
  if (info.isFile && path.endsWith(".db")) {
    return usageError(`${where} is a file: pass its directory, ${shownPath(dirname(path))}`);
  }
  return usageError(`${where} is ${info.isFile ? "a file" : "not a regular file"}, not a directory`);
}

const errorCode = (error: unknown) =>
  error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined;
