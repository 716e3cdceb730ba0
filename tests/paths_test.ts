import assert from "node:assert/strict";
import { join } from "node:path";
import { canonicalProjectName, listProjectNames, projectDbPath, resolveDataDir } from "../src/store/paths.ts";
import { runCli } from "./helpers/cli.ts";

Deno.test("the data directory follows Trackio's precedence, --dir first", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.deepEqual(resolveDataDir("/x", env({ TRACKIO_DIR: "/t" })), { path: "/x", source: "--dir" });
  assert.deepEqual(resolveDataDir(undefined, env({ TRACKIO_DIR: "/t", HF_HOME: "/h" })), {
    path: "/t",
    source: "TRACKIO_DIR",
  });
  assert.deepEqual(resolveDataDir(undefined, env({ HF_HOME: "/h", XDG_CACHE_HOME: "/c" })), {
    path: "/h/trackio",
    source: "HF_HOME",
  });
  assert.deepEqual(resolveDataDir(undefined, env({ XDG_CACHE_HOME: "/c", HOME: "/home/u" })), {
    path: "/c/huggingface/trackio",
    source: "XDG_CACHE_HOME",
  });
  assert.deepEqual(resolveDataDir(undefined, env({ HOME: "/home/u" })), {
    path: "/home/u/.cache/huggingface/trackio",
    source: "default",
  });
});

Deno.test("project names map to files as Trackio maps them", () => {
  assert.equal(canonicalProjectName("my.model"), "mymodel");
  assert.equal(canonicalProjectName("../../etc/passwd"), "etcpasswd");
  assert.equal(canonicalProjectName("实验-1_β"), "实验-1_β");
  assert.equal(canonicalProjectName("a b  "), "ab");
  assert.equal(canonicalProjectName("..."), "default");
  assert.equal(projectDbPath("/d", "my.model"), join("/d", "mymodel.db"));
});

Deno.test("projects are the sorted *.db stems, registries and other files left out; a missing dir has none", () => {
  const dir = Deno.makeTempDirSync();
  for (const name of ["b.db", "a.db", "registry-models.db", "a.db-wal", "notes.txt", "Z.db"]) {
    Deno.writeTextFileSync(join(dir, name), "");
  }
  Deno.mkdirSync(join(dir, "media"));
  assert.deepEqual(listProjectNames(dir), ["Z", "a", "b"]);
  assert.deepEqual(listProjectNames(join(dir, "missing")), []);
});

Deno.test("TRACKIO_DIR and HF_HOME reach the CLI; it works from any working directory", async () => {
  const fixtures = new URL("./fixtures/head/", import.meta.url).pathname;
  const viaEnv = await runCli(["projects", "--json"], { env: { TRACKIO_DIR: fixtures }, cwd: "/" });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.deepEqual(JSON.parse(viaEnv.stdout), [
    "dpo-llama",
    "grpo-math",
    "hyperparam-sweep",
    "mymodel",
    "sft-qwen",
  ]);
  const home = Deno.makeTempDirSync();
  Deno.mkdirSync(join(home, "trackio"));
  Deno.copyFileSync(join(fixtures, "mymodel.db"), join(home, "trackio", "mymodel.db"));
  const viaHfHome = await runCli(["doctor", "--json"], {
    env: { HF_HOME: home },
    cwd: Deno.makeTempDirSync(),
  });
  const report = JSON.parse(viaHfHome.stdout);
  assert.equal(report.source, "HF_HOME");
  assert.equal(report.projects[0].generation, "current");
  const demo = await runCli(["--json"], { env: { HF_HOME: Deno.makeTempDirSync() }, cwd: "/" });
  assert.equal(demo.code, 0, demo.stderr);
  assert.match(demo.stderr, /showing the bundled demo projects/);
  assert.deepEqual(JSON.parse(demo.stdout).projects.map((p: { project: string }) => p.project), [
    "hyperparam-sweep",
    "sft-qwen",
  ]);
});
