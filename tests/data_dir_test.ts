/**
 * A data directory the user named and got wrong is said so, with a documented exit code: never
 * replaced by the bundled demo, never "no projects", never "internal".
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { dataDirError } from "../src/store/paths.ts";
import { invokeTool } from "../src/tools/invoke.ts";
import { findTool } from "../src/tools/index.ts";
import { localContext } from "../src/tools/registry.ts";
import { runCli } from "./helpers/cli.ts";
import { FIXTURES } from "./helpers/trackio_db.ts";

function assertOneLineError(
  out: { code: number; stdout: string; stderr: string },
  code: number,
  pattern: RegExp,
) {
  assert.equal(out.code, code, out.stderr);
  assert.equal(out.stdout, "");
  assert.equal(out.stderr.trim().split("\n").length, 1, out.stderr);
  assert.match(out.stderr.trim(), pattern);
}

const missing = () => join(Deno.makeTempDirSync(), "trackoi");

Deno.test("a --dir or TRACKIO_DIR that does not exist is not found (3), for the overview and every command", async () => {
  const dir = missing();
  const said = new RegExp(`^error: data directory ${dir} \\(from --dir\\) does not exist`);
  assertOneLineError(await runCli(["--dir", dir]), 3, said);
  assertOneLineError(await runCli(["--dir", dir, "--json"]), 3, /"code":"not_found"/);
  assertOneLineError(await runCli(["projects", "--dir", dir]), 3, said);
  assertOneLineError(await runCli(["runs", "-p", "x", "--dir", dir]), 3, said);
  assertOneLineError(
    await runCli(["projects"], { env: { TRACKIO_DIR: dir } }),
    3,
    new RegExp(`data directory ${dir} \\(from TRACKIO_DIR\\) does not exist`),
  );
});

Deno.test("a --dir naming a project file says to pass its directory (2)", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.copyFileSync(join(FIXTURES, "head", "mymodel.db"), join(dir, "mymodel.db"));
  const file = join(dir, "mymodel.db");
  const said = new RegExp(`${file} \\(from --dir\\) is a file: pass its directory, ${dir}$`);
  assertOneLineError(await runCli(["--dir", file]), 2, said);
  assertOneLineError(await runCli(["runs", "-p", "mymodel", "--dir", file]), 2, said);
});

Deno.test("an over-long --dir is one line and exit 2, also to doctor, which reports it", async () => {
  const dir = `/${"a".repeat(5000)}`;
  const out = await runCli(["runs", "-p", "x", "--dir", dir]);
  assertOneLineError(out, 2, /\(5001 characters\) \(from --dir\): the path is too long/);
  assert.ok(out.stderr.length < 400, out.stderr);
  assertOneLineError(await runCli(["--dir", dir]), 2, /the path is too long/);
  const doctor = await runCli(["doctor", "--dir", dir, "--json"]);
  assert.equal(doctor.code, 0, doctor.stderr);
  assert.match(JSON.parse(doctor.stdout).problems.join("\n"), /the path is too long/);
});

Deno.test("a named, existing, empty directory is shown empty; the demo stands in only for the default one", async () => {
  const empty = Deno.makeTempDirSync();
  const named = await runCli(["--json", "--dir", empty]);
  assert.equal(named.code, 0, named.stderr);
  assert.deepEqual(JSON.parse(named.stdout), { data_dir: empty, source: "--dir", demo: false, projects: [] });
  assert.match(named.stderr, /no Trackio projects in/);
  assert.doesNotMatch(named.stderr, /demo/);
  const viaEnv = await runCli(["--json"], { env: { TRACKIO_DIR: empty } });
  assert.equal(JSON.parse(viaEnv.stdout).demo, false);
  // HF_HOME is not a Trackio setting: its trackio/ directory is the default one, absent until Trackio logs.
  const unnamed = await runCli(["--json"], { env: { HF_HOME: Deno.makeTempDirSync() } });
  assert.equal(unnamed.code, 0, unnamed.stderr);
  assert.equal(JSON.parse(unnamed.stdout).demo, true);
  assert.match(unnamed.stderr, /showing the bundled demo projects/);
});

Deno.test("the MCP tools get the same errors: the store, not the CLI, checks the directory", async () => {
  const ctx = localContext({ path: missing(), source: "--dir" });
  const tool = findTool("get_all_projects")!;
  await assert.rejects(invokeTool(tool, {}, ctx), { code: "not_found", message: /does not exist/ });
  assert.equal(dataDirError({ path: missing(), source: "default" }), undefined);
  assert.equal(dataDirError({ path: missing(), source: "HF_HOME" }), undefined);
  assert.equal(dataDirError({ path: missing(), source: "TRACKIO_DIR" })?.code, "not_found");
  assert.equal(
    dataDirError({ path: join(FIXTURES, "head", "mymodel.db"), source: "default" })?.code,
    "usage",
  );
});
