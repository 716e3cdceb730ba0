/**
 * The skill pack is checked against the code: valid front matter, links that resolve, and every
 * `trackio-cli ...` command, flag, MCP tool, tool argument and rule id it mentions exists. Installing
 * the pack gives the expected tree, twice without harm, and zips that Python's zipfile reads.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Command, Option } from "@commander-js/extra-typings";
import { RULES } from "../src/analysis/rules/index.ts";
import { buildProgram } from "../src/cli/program.ts";
import { listSkills, SKILLS_DIR } from "../src/skills/catalog.ts";
import { skillFiles } from "../src/skills/install.ts";
import { findTool, TOOLS } from "../src/tools/index.ts";
import { runCli } from "./helpers/cli.ts";
import { shellWords } from "./helpers/shell.ts";

const skills = listSkills();
const texts = skills.flatMap((s) =>
  skillFiles(s).map((f) => ({ skill: s.name, file: f, text: Deno.readTextFileSync(join(s.dir, f)) }))
);

Deno.test("every skill has valid front matter and its folder's name", () => {
  assert.ok(skills.length >= 5);
  for (const skill of skills) {
    assert.match(skill.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(skill.name.length <= 64);
    assert.equal(skill.dir.split("/").filter(Boolean).at(-1), skill.name);
    assert.ok(skill.description.length > 40 && skill.description.length <= 1024, skill.name);
    assert.match(skill.description, /Use when/, `${skill.name} says when to use it`);
    assert.ok(skill.body.trim().length > 200);
  }
});

Deno.test("every link in the pack resolves to a file of the skill", () => {
  let links = 0;
  for (const { skill, file, text } of texts) {
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const path = join(SKILLS_DIR, skill, file, "..", target.split("#")[0]);
      assert.ok(Deno.statSync(path).isFile, `${skill}/${file}: ${target}`);
      links++;
    }
  }
  assert.ok(links >= 2);
});

/** `trackio-cli ...` commands in code spans and code blocks, cut at pipes and shell separators. */
function commandLines(text: string): string[] {
  const blocks = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((m) => m[1].split("\n"));
  // Code spans pair up backticks in order, outside the blocks; a span may wrap onto the next line.
  const prose = text.replace(/```[\s\S]*?```/g, "");
  const spans = [...prose.matchAll(/`([^`]*)`/g)].map((m) => m[1].replace(/\s+/g, " "));
  return [...spans, ...blocks]
    .filter((line) => line.includes("trackio-cli"))
    .map((line) => line.slice(line.indexOf("trackio-cli")))
    .map((line) => line.replace(/\s*[;|&>].*$/, "").replace(/\s*\.\.\.\s*$/, "").trim());
}

function optionNames(command: Command): Set<string> {
  const names = new Set<string>(["--help", "-h"]);
  for (const option of command.options as readonly Option[]) {
    if (option.long) names.add(option.long);
    if (option.short) names.add(option.short);
  }
  return names;
}

Deno.test("every trackio-cli command line in the pack names real commands and flags", () => {
  const program = buildProgram() as unknown as Command;
  const find = (parent: Command, word: string) =>
    (parent.commands as readonly Command[]).find((c) => c.name() === word || c.aliases().includes(word));
  let checked = 0;
  for (const { skill, file, text } of texts) {
    for (const line of commandLines(text)) {
      const words = shellWords(line).slice(1);
      let command = program;
      while (words.length && !words[0].startsWith("-")) {
        const sub = find(command, words[0]);
        if (!sub) break;
        command = sub;
        words.shift();
      }
      assert.notEqual(command, program, `${skill}/${file}: '${line}' names no command`);
      for (const word of words.filter((w) => w.startsWith("-"))) {
        assert.ok(optionNames(command).has(word.split("=")[0]), `${skill}/${file}: '${line}': ${word}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 20, `${checked} command lines checked`);
  // A flag quoted on its own (`--align min`) must be a flag of some command.
  const all = (c: Command): Command[] => [c, ...(c.commands as readonly Command[]).flatMap(all)];
  const everyFlag = new Set(all(program).flatMap((c) => [...optionNames(c)]));
  for (const { skill, file, text } of texts) {
    for (const [, flag] of text.replace(/```[\s\S]*?```/g, "").matchAll(/`(--[a-z-]+)[^`]*`/g)) {
      assert.ok(everyFlag.has(flag), `${skill}/${file}: ${flag}`);
    }
  }
});

const TOOL_LIKE = /^(get_\w+|analyze_run|compare_runs|explain_rule|query|doctor)$/;

Deno.test("every MCP tool and argument the pack mentions exists in the registry", () => {
  const known = new Set(TOOLS.map((t) => t.name));
  let mentions = 0;
  for (const { skill, file, text } of texts) {
    for (const [, name] of text.matchAll(/`([a-z_]+)(?:\([^`]*\))?`/g)) {
      if (/^get_|_run$|_runs$|_rule$/.test(name)) {
        assert.ok(known.has(name), `${skill}/${file}: tool ${name}`);
      }
    }
    // "`tool` with `a`, `b` and `c`" names arguments of that tool.
    for (const [, name, list] of text.matchAll(/`([a-z_]+)` with ((?:`[a-z_]+`(?:, | and | or )?)+)/g)) {
      if (!TOOL_LIKE.test(name)) continue;
      const tool = findTool(name);
      assert.ok(tool, `${skill}/${file}: tool ${name}`);
      const fields = new Set([...Object.keys(tool.input.shape), ...Object.keys(tool.inputAliases ?? {})]);
      for (const [, arg] of list.matchAll(/`([a-z_]+)`/g)) {
        assert.ok(fields.has(arg), `${skill}/${file}: ${name} has no argument ${arg}`);
        mentions++;
      }
    }
    // `tool(arg=...)` calls.
    for (const [, name, args] of text.matchAll(/`?([a-z_]+)\(([a-z_]+=[^)]*)\)/g)) {
      const tool = findTool(name);
      assert.ok(tool, `${skill}/${file}: tool ${name}`);
      for (const [, arg] of args.matchAll(/([a-z_]+)=/g)) {
        assert.ok(arg in tool.input.shape || arg in (tool.inputAliases ?? {}));
      }
    }
  }
  assert.ok(mentions >= 8, `${mentions} tool arguments checked`);
});

Deno.test("every analyze rule is explained in the pack, and every rule id it names exists", () => {
  const ids = new Set<string>(RULES.map((r) => r.id));
  const findings = Deno.readTextFileSync(
    join(SKILLS_DIR, "loss-curve-interpretation/references/findings.md"),
  );
  for (const id of ids) assert.ok(findings.includes(`\`${id}\``), `${id} in findings.md`);
  for (const { skill, file, text } of texts) {
    for (const [, id] of text.matchAll(/`((?:loss|lr|grad|dpo|grpo|run|metrics?)\.[a-z_]+)`/g)) {
      assert.ok(ids.has(id), `${skill}/${file}: rule ${id}`);
    }
  }
});

Deno.test("skills install: the expected tree, idempotent, keeps a replaced file, zips Python can read", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-skills-" });
  const first = await runCli(["skills", "install", "--json"], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const installed = JSON.parse(first.stdout);
  assert.equal(installed.dir, join(dir, ".claude/skills"));
  const tree = (root: string): string[] =>
    [...Deno.readDirSync(root)].flatMap((e) =>
      e.isDirectory ? tree(join(root, e.name)).map((p) => `${e.name}/${p}`) : [e.name]
    ).sort();
  const expected = skills.flatMap((s) => skillFiles(s).map((f) => `${s.name}/${f}`)).sort();
  assert.deepStrictEqual(tree(installed.dir), expected);
  const again = JSON.parse((await runCli(["skills", "install", "--json"], { cwd: dir })).stdout);
  assert.ok(again.skills.every((s: { status: string }) => s.status === "unchanged"));
  const edited = join(installed.dir, "ci-gate/SKILL.md");
  Deno.writeTextFileSync(edited, "my notes\n");
  const third = JSON.parse((await runCli(["skills", "install", "--json"], { cwd: dir })).stdout);
  assert.equal(third.skills.find((s: { name: string }) => s.name === "ci-gate").status, "updated");
  assert.equal(Deno.readTextFileSync(`${edited}.bak`), "my notes\n");
  assert.equal(Deno.readTextFileSync(edited), Deno.readTextFileSync(join(SKILLS_DIR, "ci-gate/SKILL.md")));

  const zips = await runCli(["skills", "install", "--zip", "--dir", join(dir, "zips"), "--json"]);
  assert.equal(zips.code, 0, zips.stderr);
  const check = await new Deno.Command("python3", {
    args: [
      "-c",
      "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print('\\n'.join(z.namelist()))",
      join(dir, "zips/loss-curve-interpretation.zip"),
    ],
    stdout: "piped",
  }).output();
  assert.equal(check.code, 0);
  assert.deepStrictEqual(new TextDecoder().decode(check.stdout).trim().split("\n").sort(), [
    "loss-curve-interpretation/SKILL.md",
    "loss-curve-interpretation/references/findings.md",
    "loss-curve-interpretation/references/trl-metrics.md",
  ]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("skills list and show", async () => {
  const list = JSON.parse((await runCli(["skills", "list", "--json"])).stdout);
  assert.deepStrictEqual(list.map((s: { name: string }) => s.name), skills.map((s) => s.name));
  const show = await runCli([
    "skills",
    "show",
    "loss-curve-interpretation",
    "--file",
    "references/findings.md",
  ]);
  assert.match(show.stdout, /^# What each analyze finding means/);
  const missing = await runCli(["skills", "show", "loss-curves"]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /Did you mean 'loss-curve-interpretation'\?/);
});

Deno.test("the prompts' worked examples use neutral placeholders, not numbers that look like a demo run", () => {
  for (const skill of ["trackio-monitoring", "comparing-runs"]) {
    const text = Deno.readTextFileSync(new URL(`../skills/${skill}/SKILL.md`, import.meta.url));
    const example = text.split("## Example answer")[1].split("```")[1];
    assert.match(example, /<project>/, skill);
    assert.doesNotMatch(
      example,
      /sft-qwen|hyperparam-sweep|baseline-v1|\d\.\d/,
      `${skill}: no demo names or values`,
    );
  }
});
