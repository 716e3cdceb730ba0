import { z } from "zod";
import { findRule, RULES } from "../analysis/rules/index.ts";
import { THRESHOLDS } from "../analysis/thresholds.ts";
import { notFound } from "../errors.ts";
import { didYouMean } from "../util/closest.ts";
import { table } from "../util/table.ts";
import { defineTool, output } from "./registry.ts";

const ruleInfo = z.object({
  id: z.string(),
  title: z.string(),
  severities: z.array(z.string()),
  meaning: z.string(),
  detection: z.string(),
  actions: z.array(z.string()),
  thresholds: z.array(z.object({ name: z.string(), value: z.number(), why: z.string() })),
});
type RuleInfo = z.infer<typeof ruleInfo>;

const describeRule = (id: string): RuleInfo => {
  const rule = findRule(id)!;
  return {
    id: rule.id,
    title: rule.title,
    severities: rule.severities,
    meaning: rule.meaning,
    detection: rule.detection,
    actions: rule.actions,
    thresholds: rule.thresholds.map((name) => ({ name, ...THRESHOLDS[name] })),
  };
};

function render(rules: RuleInfo[]): string {
  if (rules.length !== 1) {
    return table(
      ["rule", "severity", "what it means"],
      rules.map((r) => [r.id, r.severities.join("/"), r.title]),
    );
  }
  const [r] = rules;
  return [
    `${r.id} (${r.severities.join(" or ")}): ${r.title}`,
    "",
    `What it means: ${r.meaning}`,
    "",
    `How it is detected: ${r.detection}`,
    ...(r.thresholds.length
      ? ["", "Thresholds:", ...r.thresholds.map((t) => `  ${t.name} = ${t.value}: ${t.why}`)]
      : []),
    "",
    "What to do:",
    ...r.actions.map((a) => `  - ${a}`),
  ].join("\n");
}

export const explainRule = defineTool({
  name: "explain_rule",
  title: "Explain a diagnosis rule",
  behaviour: { readOnly: true, readsSource: false },
  description: "What an analyze_run finding means, how it is detected (thresholds and why) and what to do. " +
    "Without a rule: every rule.",
  input: z.object({
    rule: z.string().min(1).optional().describe("Rule id from a finding, e.g. loss.overfitting."),
  }),
  output: z.array(ruleInfo),
  cli: {
    command: "explain",
    aliases: [],
    positional: "rule",
    examples: ["trackio-cli explain loss.overfitting", "trackio-cli explain"],
  },
  render,
  handler: (args) => {
    if (!args.rule) return output(RULES.map((r) => describeRule(r.id)));
    if (!findRule(args.rule)) {
      throw notFound(
        `no rule '${args.rule}'.${didYouMean(args.rule, RULES.map((r) => r.id))}`,
        undefined,
        { tool: "explain_rule", args: {}, shows: "every rule" },
      );
    }
    return output([describeRule(args.rule)]);
  },
});
