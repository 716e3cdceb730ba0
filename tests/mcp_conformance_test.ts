/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, run under Deno) against
 * `trackio-cli mcp --http`. Only the scenarios that apply to a read-only tools-and-prompts server
 * are run; the others exercise tools, prompts and resources of the SDK's own test server
 * (test_simple_text, test_error_handling, test_simple_prompt, resources/*, sampling, elicitation)
 * or SSE streams of a stateful server, which trackio-cli does not have by design (see README.md).
 */
import assert from "node:assert/strict";
import { startHttpServer } from "./helpers/mcp.ts";

export const CONFORMANCE = "npm:@modelcontextprotocol/conformance@0.1.16";
export const APPLICABLE_SCENARIOS = [
  "server-initialize",
  "ping",
  "tools-list",
  "prompts-list",
  "completion-complete",
  "logging-set-level",
  "dns-rebinding-protection",
];

Deno.test("the MCP conformance suite passes its applicable server scenarios", async (t) => {
  const server = await startHttpServer(["--demo"]);
  // The suite writes results/ into its working directory: keep it out of the repository.
  const work = Deno.makeTempDirSync({ prefix: "trackio-conformance-" });
  try {
    for (const scenario of APPLICABLE_SCENARIOS) {
      await t.step(scenario, async () => {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", CONFORMANCE, "server", "--url", server.url, "--scenario", scenario],
          cwd: work,
          env: { NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
        assert.equal(out.code, 0, text);
        const [, passed, failed] = text.match(/Passed: (\d+)\/\d+, (\d+) failed/) ?? [];
        assert.ok(Number(passed) > 0 && failed === "0", text);
      });
    }
  } finally {
    assert.equal(await server.stop(), 0);
    Deno.removeSync(work, { recursive: true });
  }
});
