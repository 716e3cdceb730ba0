/** Findings' actions speak of this run's config; the text of analyze_run carries evidence and actions. */
import assert from "node:assert/strict";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { tailorActions } from "../src/analysis/tailor.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { stdioSession } from "./helpers/mcp.ts";

Deno.test("tailorActions: the run's learning rate, its clipping and fp16 in the advice", () => {
  const actions = [
    "Reduce the learning rate 2-10x",
    "Stop the run and restart from the best step with a 2-10x lower learning rate",
    "Enable gradient clipping (max_grad_norm=1.0) if it is off",
    "With fp16, switch to bf16 or check the loss scaler",
  ];
  const [lower, restart, clip, fp16] = tailorActions(actions, {
    learning_rate: 5e-4,
    max_grad_norm: 0.3,
    fp16: true,
  });
  assert.equal(lower, "Reduce the learning rate 2-10x (it is 5.00e-4: try 5.00e-5 to 2.50e-4)");
  assert.match(restart, /\(it is 5\.00e-4: try 5\.00e-5 to 2\.50e-4\)$/);
  assert.match(clip, /^Gradient clipping is on \(max_grad_norm=0\.3\): lower it/);
  assert.match(fp16, /^This run trains in fp16 \(fp16: true\)\. /);
  assert.match(
    tailorActions([actions[2]], { max_grad_norm: 5 })[0],
    /^Lower max_grad_norm \(it is 5\) to 1\.0/,
  );
  assert.deepStrictEqual(tailorActions(actions, null), actions, "no config: the rule's words as they are");
});

Deno.test("analyze_run over MCP: the text block names each finding's evidence and actions", async () => {
  const dir = fixtureDir("head");
  const mcp = await stdioSession(["--dir", dir]);
  try {
    const r = await mcp.client.callTool({
      name: "analyze_run",
      arguments: { project: "sft-qwen", run: "lr-high" },
    }) as CallToolResult;
    const text = (r.content[0] as { text: string }).text;
    assert.match(
      text,
      /\[warning\] lr\.too_high: .*\n {6}evidence: train\/loss [\d.]+ @\d+ \([\d.]+x local median\)/,
    );
    assert.match(
      text,
      /\n {6}do: Reduce the learning rate 2-10x \(it is 5\.00e-4: try 5\.00e-5 to 2\.50e-4\)/,
    );
  } finally {
    await mcp.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
