import { RunCollector } from "../analysis/collect.ts";
import type { MetricChoices } from "../analysis/diagnose.ts";
import type { Severity } from "../analysis/findings.ts";
import { type TrackioCliError, usageError } from "../errors.ts";
import { toJson } from "../json.ts";
import type { RunRef } from "../store/project.ts";
import { RunCache } from "../tools/run_cache.ts";
import { type AnalysisResult, reportOf, type RunReport, SUMMARY_METRICS } from "../tools/analyze_run.ts";
import { metricNotFound, withProject } from "../tools/context.ts";
import { gateExitCode, renderReport, type ReportFormat } from "./analysis_output.ts";
import type { AnalyzeRun } from "./analyze_command.ts";
import { sleep } from "../util/sleep.ts";
import { reportNotice, writeOut } from "./output.ts";
import { LivePoll } from "./live_retry.ts";

/** Say so once when a run that is not finished has not grown for this long. */
const IDLE_NOTICE_MS = 10 * 60 * 1000;

const signature = (r: RunReport) =>
  [r.verdict, ...r.findings.map((f) => `${f.rule}:${f.severity}`).sort()].join("|");
const clock = () => new Date().toISOString().slice(11, 19);

function describeChange(before: RunReport | undefined, now: RunReport): string {
  const had = new Map(before?.findings.map((f) => [f.rule, f]) ?? []);
  const has = new Map(now.findings.map((f) => [f.rule, f]));
  const parts = [
    ...now.findings.filter((f) => had.get(f.rule)?.severity !== f.severity).map((f) =>
      `+ [${f.severity}] ${f.rule}: ${f.message}`
    ),
    ...[...had.keys()].filter((rule) => !has.has(rule)).map((rule) => `- ${rule}`),
  ];
  const step = now.progress.step ?? "-";
  const share = now.progress.fraction !== null ? ` (${Math.round(now.progress.fraction * 100)}%)` : "";
  const verdict = before && before.verdict !== now.verdict
    ? `${now.verdict.toUpperCase()} (was ${before.verdict})`
    : now.verdict.toUpperCase();
  return [`[${clock()}] step ${step}${share}: ${verdict}`, ...parts.map((p) => `  ${p}`)].join("\n");
}

/**
 * `analyze --watch`: follows one run as it grows, reading only the rows added since the last poll,
 * and prints a line whenever the verdict or a finding changes. Ends when the run finishes (its summary
 * row, or max_steps reached) or on Ctrl-C; the exit code is the --fail-on gate on the last verdict.
 */
export async function watchAnalysis(
  call: AnalyzeRun,
  seconds: number,
  format: ReportFormat,
  failOn: "warning" | "critical" | undefined,
): Promise<number> {
  const args = call.args;
  if (args.all) throw usageError("--watch follows one run: give --run, not --all");
  const choices: MetricChoices = { train_loss: args.train_metric, eval_loss: args.eval_metric };
  // The watch's own cache: each poll reads the rows added since the last, and a run rewritten
  // meanwhile (deleted, re-logged, its file replaced) is read again from the start. One run, so no
  // budget; it keeps runs with unreadable rows, whose notice the watch says once anyway.
  const cache = new RunCache(Number.POSITIVE_INFINITY, true);
  const collect = () => new RunCollector(choices, SUMMARY_METRICS);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  let run: RunRef | undefined;
  let rows = 0;
  let shown: RunReport | undefined;
  let verdict: Severity = "ok";
  let lastGrowth = Date.now();
  let idleSaid = false;
  let missingSaid = false;
  // A named train metric is logged from the first rows, so one missing then is a typo; a named eval
  // metric appears only at the first evaluation: a notice until then, an error if the run ends without.
  let missing: TrackioCliError | undefined;
  const live = new LivePoll(seconds);
  // What the source says (rows skipped), once each for the whole watch.
  const heard: string[] = [];
  const ctx = { ...call.ctx, heard };
  let said = 0;
  const emit = (event: string, report: RunReport) => {
    const result: AnalysisResult = { project: args.project, verdict: report.verdict, runs: [report] };
    if (format === "json") writeOut(`${toJson({ event, time: new Date().toISOString(), result })}\n`);
    else if (event === "start") writeOut(renderReport(result, format));
    else writeOut(`${describeChange(shown, report)}\n`);
  };
  try {
    while (true) {
      const rowsBefore = rows;
      const report = await live.poll(() =>
        withProject(ctx, args.project, async (store) => {
          const target = run ??= await store.resolveRun(args.run, args.run_id);
          return await cache.use(store, target, "watch", collect, async (gathered) => {
            const { collector } = gathered;
            rows = gathered.stats.num_logs;
            const train = choices.train_loss;
            if (train && collector.rows > 0 && !collector.names.has(train)) {
              throw await metricNotFound(store, target, train);
            }
            const evalName = choices.eval_loss;
            // The error (with its did-you-mean, a read of every name) is built once, not at every poll.
            missing = evalName && !collector.names.has(evalName)
              ? missing ?? await metricNotFound(store, target, evalName)
              : undefined;
            return await reportOf(store, target, gathered, choices);
          });
        })
      );
      heard.slice(said).forEach(reportNotice);
      said = heard.length;
      if (!report) {
        await sleep(live.nextWaitSeconds * 1000, stop.signal);
        if (stop.signal.aborted) break;
        continue;
      }
      verdict = report.verdict;
      const finished = report.status.state === "finished";
      if (missing && finished) throw missing;
      if (missing && !missingSaid) {
        reportNotice(`${missing.message} Watching until it is logged.`);
        missingSaid = true;
      }
      if (!shown || signature(shown) !== signature(report)) {
        emit(shown ? "change" : "start", report);
        shown = report;
      }
      if (finished) {
        if (format === "json") {
          writeOut(`${toJson({ event: "finished", time: new Date().toISOString(), verdict })}\n`);
        } else {writeOut(
            `[${clock()}] run finished at step ${report.progress.step}: ${verdict.toUpperCase()}\n`,
          );}
        break;
      }
      if (rows > rowsBefore) [lastGrowth, idleSaid] = [Date.now(), false];
      else if (!idleSaid && Date.now() - lastGrowth > IDLE_NOTICE_MS) {
        reportNotice(
          `no new rows for ${Math.round((Date.now() - lastGrowth) / 60000)} minutes: has the job stopped?`,
        );
        idleSaid = true;
      }
      await sleep(seconds * 1000, stop.signal);
      if (stop.signal.aborted) {
        if (format !== "json") writeOut(`[${clock()}] stopped watching: ${verdict.toUpperCase()}\n`);
        break;
      }
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
  return gateExitCode(verdict, failOn);
}
