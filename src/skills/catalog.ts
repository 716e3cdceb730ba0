import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dataError, notFound } from "../errors.ts";
import { didYouMean } from "../util/closest.ts";

/**
 * The agent skill pack in `skills/`: one folder per skill with a `SKILL.md` whose YAML front matter
 * names and describes it. Found beside the source (or in a compiled binary's embedded files, which
 * `deno compile --include skills/` puts at the same place), never through the working directory.
 */
export const SKILLS_DIR = fileURLToPath(new URL("../../skills/", import.meta.url));

export interface Skill {
  name: string;
  description: string;
  /** SKILL.md without its front matter. */
  body: string;
  /** Folder of the skill. */
  dir: string;
}

/** The `key: value` lines of a front matter block; the pack uses nothing richer. */
export function parseFrontMatter(text: string): { fields: Record<string, string>; body: string } {
  const match = text.match(/^---\r?\n([\s\S]*?)\r?\n---\r?\n?/);
  if (!match) return { fields: {}, body: text };
  const fields: Record<string, string> = {};
  for (const line of match[1].split(/\r?\n/)) {
    const pair = line.match(/^([A-Za-z][\w-]*):\s*(.*)$/);
    if (pair) fields[pair[1]] = pair[2].replace(/^(["'])(.*)\1$/, "$2").trim();
  }
  return { fields, body: text.slice(match[0].length) };
}

export function readSkill(dir: string): Skill {
  const file = join(dir, "SKILL.md");
  const { fields, body } = parseFrontMatter(Deno.readTextFileSync(file));
  if (!fields.name || !fields.description) {
    throw dataError(`${file}: front matter needs a name and a description`);
  }
  return { name: fields.name, description: fields.description, body, dir };
}

/** Every skill of the pack, by name. */
export function listSkills(root = SKILLS_DIR): Skill[] {
  return [...Deno.readDirSync(root)]
    .filter((entry) => entry.isDirectory)
    .map((entry) => readSkill(join(root, entry.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function findSkill(name: string, root = SKILLS_DIR): Skill {
  const skills = listSkills(root);
  const skill = skills.find((s) => s.name === name);
  if (!skill) {
    throw notFound(`skill '${name}' not found.${didYouMean(name, skills.map((s) => s.name))}`);
  }
  return skill;
}
