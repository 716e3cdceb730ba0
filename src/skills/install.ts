import { dirname, join, relative } from "node:path";
import type { Skill } from "./catalog.ts";
import { zip } from "./zip.ts";

/** Every file of a skill, as paths relative to its folder, sorted. */
export function skillFiles(skill: Skill): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) walk(path);
      else if (entry.isFile) files.push(relative(skill.dir, path));
    }
  };
  walk(skill.dir);
  return files.sort();
}

export type FileStatus = "created" | "updated" | "unchanged";

export interface InstalledSkill {
  name: string;
  path: string;
  status: FileStatus;
  files: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function readIfExists(path: string): Uint8Array | undefined {
  try {
    return Deno.readFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Writes `data` to `path` unless it already holds exactly that. A different file there (an edit of
 * the user's, or an older version) is kept beside it as `.bak`, so installing never loses anything.
 */
function place(path: string, data: Uint8Array): FileStatus {
  const old = readIfExists(path);
  if (old && sameBytes(old, data)) return "unchanged";
  Deno.mkdirSync(dirname(path), { recursive: true });
  if (old) Deno.writeFileSync(`${path}.bak`, old);
  Deno.writeFileSync(path, data);
  return old ? "updated" : "created";
}

const overall = (statuses: FileStatus[]): FileStatus =>
  statuses.every((s) => s === "unchanged")
    ? "unchanged"
    : statuses.every((s) => s === "created")
    ? "created"
    : "updated";

/**
 * Installs skills into `dest`: a folder per skill (Claude Code reads `.claude/skills/NAME/SKILL.md`), or
 * with `asZip` one NAME.zip per skill (the form Claude Desktop and claude.ai upload). Installing again
 * changes only what differs.
 */
export function installSkills(skills: Skill[], dest: string, asZip = false): InstalledSkill[] {
  return skills.map((skill) => {
    const files = skillFiles(skill);
    if (asZip) {
      const entries = files.map((f) => ({
        path: `${skill.name}/${f.replaceAll("\\", "/")}`,
        data: Deno.readFileSync(join(skill.dir, f)),
      }));
      const path = join(dest, `${skill.name}.zip`);
      return { name: skill.name, path, status: place(path, zip(entries)), files: files.length };
    }
    const path = join(dest, skill.name);
    const statuses = files.map((f) => place(join(path, f), Deno.readFileSync(join(skill.dir, f))));
    return { name: skill.name, path, status: overall(statuses), files: files.length };
  });
}
