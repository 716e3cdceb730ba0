import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DataDir } from "./paths.ts";

export const DEMO_PROJECTS = ["sft-qwen", "hyperparam-sweep"];

/**
 * The bundled demo projects (real Trackio databases, see demo/README.md). Run from source they are
 * read where they are; inside a `deno compile` binary they live in its embedded file system, which
 * Deno can read but SQLite cannot open, so they are copied once to a private temporary directory.
 */
export function demoDataDir(): DataDir {
  const bundled = fileURLToPath(new URL("../../demo/", import.meta.url));
  if (sqliteCanOpen(join(bundled, `${DEMO_PROJECTS[0]}.db`))) return { path: bundled, source: "demo" };
  const copy = Deno.makeTempDirSync({ prefix: "trackio-cli-demo-" });
  for (const name of DEMO_PROJECTS) {
    Deno.writeFileSync(join(copy, `${name}.db`), Deno.readFileSync(join(bundled, `${name}.db`)));
  }
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(copy, { recursive: true });
    } catch {
      // Best effort: the OS cleans its temporary directory.
    }
  });
  return { path: copy, source: "demo" };
}

function sqliteCanOpen(path: string): boolean {
  try {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      db.prepare("SELECT count(*) FROM sqlite_schema").get();
      return true;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}
