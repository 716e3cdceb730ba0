import { analyzeRunTool } from "./analyze_run.ts";
import { compareRunsTool } from "./compare_runs.ts";
import { doctor } from "./doctor.ts";
import { explainRule } from "./explain_rule.ts";
import { getAlerts } from "./get_alerts.ts";
import { getAllProjects } from "./get_all_projects.ts";
import { getLogs } from "./get_logs.ts";
import { getMetricValues } from "./get_metric_values.ts";
import { getMetricsForRun } from "./get_metrics_for_run.ts";
import { getProjectSummary } from "./get_project_summary.ts";
import { getRunSummary } from "./get_run_summary.ts";
import { getRunsForProject } from "./get_runs_for_project.ts";
import { getSnapshot } from "./get_snapshot.ts";
import { getSystemLogs, getSystemMetricsForRun } from "./get_system_metrics.ts";
import { query } from "./query.ts";
import type { ToolDef } from "./registry.ts";

/** Every tool, in the order help and tools/list show them. Adding a tool is one entry here. */
// deno-lint-ignore no-explicit-any
export const TOOLS: ToolDef<any, any>[] = [
  getAllProjects,
  getRunsForProject,
  getMetricsForRun,
  getMetricValues,
  getProjectSummary,
  getRunSummary,
  getSnapshot,
  getAlerts,
  getSystemMetricsForRun,
  getSystemLogs,
  getLogs,
  analyzeRunTool,
  explainRule,
  compareRunsTool,
  query,
  doctor,
];

export function findTool(name: string): ToolDef | undefined {
  return TOOLS.find((t) => t.name === name);
}
