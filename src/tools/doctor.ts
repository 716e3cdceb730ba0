import { z } from "zod";
import { shownPath } from "../store/paths.ts";
import { table } from "../util/table.ts";
import { defineTool, output } from "./registry.ts";

const projectHealth = z.object({
  project: z.string(),
  file: z.string(),
  size_bytes: z.number().nullable(),
  generation: z.string().nullable(),
  journal: z.string().nullable(),
  /** A `-wal` file beside the database: a writer is attached, or one exited without cleaning up. */
  wal_bytes: z.number().nullable(),
  runs: z.number().nullable(),
  rows: z.number().nullable(),
  /** Rows whose metrics are not a JSON object: reads skip them, with a notice. */
  bad_rows: z.number().nullable(),
  error: z.string().nullable(),
});

const report = z.object({
  data_dir: z.string(),
  source: z.string(),
  exists: z.boolean(),
  env: z.record(z.string(), z.string().nullable()),
  server: z.object({
    url: z.string(),
    trackio_version: z.string().nullable(),
    api_version: z.number().nullable(),
    reachable: z.boolean(),
    auth: z.enum(["token", "none"]),
    latency_ms: z.number().nullable(),
  }).nullable(),
  projects: z.array(projectHealth),
  problems: z.array(z.string()),
});
type Report = z.infer<typeof report>;

function render(r: Report): string {
  const where = r.server
    ? `server: ${r.server.url} (from ${r.source}): ${
      r.server.reachable
        ? `Trackio ${r.server.trackio_version ?? "?"}, HTTP API v${
          r.server.api_version ?? "?"
        }, ${r.server.latency_ms} ms`
        : "not reachable"
    }, ${r.server.auth === "token" ? "with a Hugging Face token" : "no token"}`
    : `data directory: ${shownPath(r.data_dir)} (from ${r.source})${r.exists ? "" : " — no such directory"}`;
  const lines = [
    where,
    ...Object.entries(r.env).map(([k, v]) => `  ${k}=${v ?? "(unset)"}`),
    "",
  ];
  if (r.projects.length > 0) {
    lines.push(table(
      ["project", "generation", "journal", "runs", "rows", "wal", "status"],
      r.projects.map((p) => [
        p.project,
        p.generation ?? "-",
        p.journal ?? "-",
        p.runs === null ? "-" : String(p.runs),
        p.rows === null ? "-" : String(p.rows),
        p.wal_bytes === null ? "-" : `${p.wal_bytes} B`,
        p.error ?? (p.bad_rows ? `${p.bad_rows} bad row${p.bad_rows === 1 ? "" : "s"}` : "ok"),
      ]),
    ));
  }
  if (r.problems.length > 0) lines.push("", ...r.problems.map((p) => `problem: ${p}`));
  else lines.push("", "no problems found");
  return lines.join("\n");
}

export const doctor = defineTool({
  name: "doctor",
  title: "Check where the data is",
  behaviour: { readOnly: true, readsSource: true },
  description:
    "Where the data is read from and why; each project's schema, runs, rows, writer and problems; " +
    "a Space's URL, version, reachability and auth. Call it when something is not found.",
  input: z.object({}),
  output: report,
  cli: {
    command: "doctor",
    aliases: [],
    examples: [
      "trackio-cli doctor",
      "TRACKIO_DIR=/data/trackio trackio-cli doctor --json",
    ],
  },
  rows: (r: Report) => r.projects,
  render,
  handler: async (_args, ctx) => output(await ctx.source.health()),
});
