/**
 * The ways trackio-cli is installed work, and nothing depends on the working directory: `deno install`
 * into a fresh root, every compile task with the same permissions and embedded files, and runs from a
 * read-only copy of the repository, from elsewhere, that leave the copy as it was.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { sha256 } from "./helpers/cli.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const tasks: Record<string, string> = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))).tasks;

async function run(bin: string, args: string[], cwd: string) {
  const out = await new Deno.Command(bin, {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("every compile task embeds the demo, the skills and the chart font, with the same permissions", () => {
  const compile = Object.entries(tasks).filter(([name]) => name.startsWith("compile"));
  const targets = compile.map(([, t]) => t.match(/--target (\S+)/)?.[1]).filter(Boolean).sort();
  assert.deepStrictEqual(targets, [
    "aarch64-apple-darwin",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "x86_64-unknown-linux-gnu",
  ]);
  for (const [name, task] of compile) {
    const flags = task.replace(/ --target \S+| --output \S+/g, "");
    assert.equal(
      flags,
      "deno compile -A --include demo/ --include skills/ --include src/charts/fonts/ main.ts",
      name,
    );
  }
  assert.match(
    tasks.install,
    /^deno install -g -A /,
    "the install task takes the compile task's permissions",
  );
});

Deno.test("deno install -g gives a trackio-cli that works from any directory", async () => {
  const root = Deno.makeTempDirSync({ prefix: "trackio-install-" });
  const install = await run(Deno.execPath(), [
    "install",
    "-g",
    "-A",
    "-f",
    "--root",
    root,
    "-n",
    "trackio-cli",
    "--config",
    join(ROOT, "deno.json"),
    join(ROOT, "main.ts"),
  ], ROOT);
  assert.equal(install.code, 0, install.stderr);
  const bin = join(root, "bin", "trackio-cli");
  const projects = await run(bin, ["projects", "--demo"], "/");
  assert.equal(projects.code, 0, projects.stderr);
  assert.deepStrictEqual(projects.stdout.trim().split("\n"), ["hyperparam-sweep", "sft-qwen"]);
  const skills = await run(bin, ["skills", "list", "--json"], "/");
  assert.ok(JSON.parse(skills.stdout).length >= 5);
  Deno.removeSync(root, { recursive: true });
});

/** Every file git tracks, copied to a fresh directory. */
function copyRepository(): string {
  const files = new TextDecoder().decode(
    new Deno.Command("git", { args: ["ls-files"], cwd: ROOT, stdout: "piped" }).outputSync().stdout,
  )
    .trim().split("\n");
  const copy = Deno.makeTempDirSync({ prefix: "trackio-readonly-" });
  for (const file of files) {
    Deno.mkdirSync(dirname(join(copy, file)), { recursive: true });
    Deno.copyFileSync(join(ROOT, file), join(copy, file));
  }
  return copy;
}

async function treeState(dir: string): Promise<Map<string, string>> {
  const state = new Map<string, string>();
  const walk = async (d: string) => {
    for (const entry of Deno.readDirSync(d)) {
      const path = join(d, entry.name);
      if (entry.isDirectory) await walk(path);
      else state.set(path, await sha256(path));
    }
  };
  await walk(dir);
  return state;
}

Deno.test("from a read-only copy of the repository, run from elsewhere, every kind of command works and writes nothing there", async () => {
  const copy = copyRepository();
  new Deno.Command("chmod", { args: ["-R", "a-w", copy] }).outputSync();
  const before = await treeState(copy);
  const elsewhere = Deno.makeTempDirSync({ prefix: "trackio-cwd-" });
  const main = join(copy, "main.ts");
  const commands: string[][] = [
    ["projects", "--demo"],
    ["analyze", "-p", "sft-qwen", "-r", "overfit-v2", "--demo", "--plot-out", join(elsewhere, "chart.png")],
    ["compare", "-p", "hyperparam-sweep", "--demo", "--format", "csv"],
    ["skills", "show", "ci-gate"],
    ["explain", "loss.plateau"],
    ["mcp", "--print-config", "--demo"],
  ];
  for (const args of commands) {
    const out = await run(Deno.execPath(), ["run", "-A", "--frozen", main, ...args], elsewhere);
    assert.equal(out.code, 0, `${args.join(" ")}: ${out.stderr}`);
  }
  assert.ok(Deno.statSync(join(elsewhere, "chart.png")).size > 10_000);
  assert.deepStrictEqual(await treeState(copy), before, "the copy is exactly as it was");
  new Deno.Command("chmod", { args: ["-R", "u+w", copy] }).outputSync();
  Deno.removeSync(copy, { recursive: true });
  Deno.removeSync(elsewhere, { recursive: true });
});
