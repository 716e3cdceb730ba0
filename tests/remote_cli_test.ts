/**
 * Every command and the MCP server with --space read a Trackio server (the HTTP API double serving the
 * fixture databases) and print what they print with --dir on the same files.
 */
import assert from "node:assert/strict";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { runCli } from "./helpers/cli.ts";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { session, type TransportKind } from "./helpers/mcp.ts";
import { startTrackioServer } from "./helpers/trackio_server.ts";

const COMMANDS = [
  ["projects"],
  ["runs", "-p", "sft-qwen"],
  ["metrics", "-p", "sft-qwen", "-r", "nan-blowup"],
  ["values", "-p", "sft-qwen", "-r", "nan-blowup", "-m", "train/loss", "--json"],
  ["values", "-p", "sft-qwen", "-r", "lr-high", "-m", "train/loss", "--max-points", "40"],
  ["values", "-p", "sft-qwen", "-r", "lr-high", "-m", "train/loss", "--format", "ndjson"],
  ["values", "-p", "sft-qwen", "-r", "baseline-v1", "-m", "train/loss", "--plot", "--width", "60"],
  ["run-summary", "-p", "sft-qwen", "-r", "baseline-v1", "--json"],
  ["project-summary", "-p", "hyperparam-sweep"],
  ["snapshot", "-p", "sft-qwen", "-r", "nan-blowup", "--around", "660", "--window", "10"],
  ["alerts", "-p", "sft-qwen", "--format", "csv"],
  ["system-metrics", "-p", "sft-qwen", "-r", "baseline-v1"],
  ["system-logs", "-p", "sft-qwen", "-r", "baseline-v1", "--json"],
  ["logs", "-p", "sft-qwen", "-r", "lr-high", "--max-rows", "30", "--json"],
  ["analyze", "-p", "sft-qwen", "-r", "overfit-v2"],
  ["analyze", "-p", "sft-qwen", "--all", "--json"],
  ["analyze", "-p", "grpo-math", "-r", "grpo-kl-blowup", "--format", "markdown"],
  ["compare", "-p", "hyperparam-sweep"],
  ["compare", "-p", "sft-qwen", "--runs", "baseline-v1,overfit-v2,plateau", "--align", "min", "--json"],
  ["query", "-p", "sft-qwen", "--sql", "SELECT run_name, COUNT(*) AS n FROM metrics GROUP BY run_name"],
  ["values", "-p", "sft-qwen", "-r", "nan-blowp", "-m", "train/loss"],
  ["values", "-p", "sft-qwen", "-r", "nan-blowup", "-m", "train/los", "--json"],
  ["analyze", "-p", "sft-qwen", "-r", "lr-high", "--fail-on", "critical"],
];

Deno.test("every command with --space prints what it prints with --dir", async () => {
  const dir = fixtureDir("head");
  const server = startTrackioServer({ dir });
  try {
    for (const command of COMMANDS) {
      const label = command.join(" ");
      const local = await runCli([...command, "--dir", dir]);
      const remote = await runCli([...command, "--space", server.url]);
      assert.equal(remote.code, local.code, `${label}: ${remote.stderr}`);
      assert.equal(remote.stdout, local.stdout, label);
      assert.equal(
        remote.stderr.replaceAll(server.url, "<place>"),
        local.stderr.replaceAll(dir, "<place>/"),
        label,
      );
    }
    const viaEnv = await runCli(["runs", "-p", "sft-qwen"], { env: { TRACKIO_SPACE_ID: server.url } });
    assert.equal(
      viaEnv.stdout,
      (await runCli(["runs", "-p", "sft-qwen", "--dir", dir])).stdout,
      "TRACKIO_SPACE_ID",
    );
    const both = await runCli(["runs", "-p", "sft-qwen", "--dir", dir, "--space", server.url]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^error: give --dir or --space, not both/);
  } finally {
    await server.close();
  }
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("doctor --space reports the server, its Trackio version, latency and each project", async () => {
  const dir = fixtureDir("pre-runid");
  const server = startTrackioServer({ dir });
  try {
    const out = await runCli(["doctor", "--json", "--space", server.url]);
    assert.equal(out.code, 0, out.stderr);
    const report = JSON.parse(out.stdout);
    assert.equal(report.server.url, server.url);
    assert.equal(report.server.trackio_version, "0.36.0");
    assert.equal(report.server.api_version, 1);
    assert.equal(report.server.reachable, true);
    assert.equal(typeof report.server.latency_ms, "number");
    const sft = report.projects.find((p: { project: string }) => p.project === "sft-qwen");
    assert.deepStrictEqual([sft.generation, sft.runs, sft.error], ["pre-runid", 6, null]);
    assert.deepStrictEqual(report.problems, []);
    const text = await runCli(["doctor", "--space", server.url]);
    assert.match(
      text.stdout,
      /^server: http:\/\/127\.0\.0\.1:\d+\/ \(from --space\): Trackio 0\.36\.0, HTTP API v1/,
    );
  } finally {
    await server.close();
  }
  Deno.removeSync(dir, { recursive: true });
});

for (const kind of ["stdio", "http"] as TransportKind[]) {
  Deno.test(`mcp --space over ${kind}: an agent reads the Space with the same results as locally`, async () => {
    const dir = fixtureDir("head");
    const server = startTrackioServer({ dir });
    const remote = await session(kind, ["--space", server.url]);
    const local = await session(kind, ["--dir", dir]);
    try {
      for (
        const [name, args] of [
          ["get_run_summary", { project: "sft-qwen", run: "nan-blowup" }],
          ["get_metric_values", { project: "sft-qwen", run: "nan-blowup", metric_name: "train/loss" }],
          ["analyze_run", { project: "sft-qwen", run: "lr-high" }],
          ["get_metric_values", { project: "sft-qwen", run: "nan-blowp", metric: "train/loss" }],
        ] as const
      ) {
        const a = await remote.client.callTool({ name, arguments: args });
        const b = await local.client.callTool({ name, arguments: args });
        assert.deepStrictEqual(a, b, name);
      }
      // The same tools; over a Trackio server, those that read the data reach an open world.
      const far: Tool[] = (await remote.client.listTools()).tools;
      const near: Tool[] = (await local.client.listTools()).tools;
      assert.deepStrictEqual(far.map((t) => t.name), near.map((t) => t.name));
      for (const tool of far) {
        assert.equal(tool.annotations?.openWorldHint, tool.name !== "explain_rule", tool.name);
        assert.equal(tool.annotations?.readOnlyHint, true, tool.name);
      }
      assert.ok(near.every((t) => t.annotations?.openWorldHint === false));
    } finally {
      await remote.close();
      await local.close();
      await server.close();
    }
    Deno.removeSync(dir, { recursive: true });
  });
}

Deno.test("mcp --print-config --space gives a config that serves the Space, never a token", async () => {
  const out = await runCli(["mcp", "--print-config", "--json", "--space", "acme/private-runs"], {
    env: { HF_TOKEN: "hf_supersecretvalue" },
  });
  assert.equal(out.code, 0, out.stderr);
  assert.doesNotMatch(out.stdout + out.stderr, /supersecret/);
  const config = JSON.parse(out.stdout);
  const server = config.claude_desktop.mcpServers.trackio;
  assert.deepStrictEqual(server.args.slice(-3), ["mcp", "--space", "acme/private-runs"]);
  assert.deepStrictEqual(server.env, { HF_TOKEN: "${HF_TOKEN}" });
  assert.match(config.claude_code, /--env HF_TOKEN=\$\{HF_TOKEN\} -- .* mcp --space acme\/private-runs$/);
  const open = JSON.parse(
    (await runCli(["mcp", "--print-config", "--json", "--space", "acme/public"], {
      env: { HF_HOME: "/nonexistent" },
    })).stdout,
  );
  assert.equal(open.claude_desktop.mcpServers.trackio.env, undefined);
});
