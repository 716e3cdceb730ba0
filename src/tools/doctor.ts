import { z } from "zod";
import { asCliError } from "../errors.ts";
import { readHeader, withDatabase } from "../store/open.ts";
import { listProjectNames, projectDbPath, readEnv } from "../store/paths.ts";
import { ProjectStore } from "../store/project.ts";
import { generationOf } from "../store/schema.ts";
import { table } from "../util/table.ts";
import { defineTool, output } from "./registry.ts";

const projectHealth = z.object({
  project: z.string(),
  file: z.string(),
  size_bytes: z.number(),
  generation: z.string().nullable(),
  journal: z.string().nullable(),
  /** A `-wal` file beside the database: a writer is attached, or one exited without cleaning up. */
  wal_bytes: z.number().nullable(),
  runs: z.number().nullable(),
  rows: z.number().nullable(),
  error: z.string().nullable(),
});
type ProjectHealth = z.infer<typeof projectHealth>;

const report = z.object({
  data_dir: z.string(),
  source: z.string(),
  exists: z.boolean(),
  env: z.record(z.string(), z.string().nullable()),
  projects: z.array(projectHealth),
  problems: z.array(z.string()),
});
type Report = z.infer<typeof report>;

function sizeOf(path: string): number | null {
  try {
    return Deno.statSync(path).size;
  } catch {
    return null;
  }
}

function inspect(dir: string, project: string): ProjectHealth {
  const file = projectDbPath(dir, project);
  const health: ProjectHealth = {
    project,
    file,
    size_bytes: sizeOf(file) ?? 0,
    generation: null,
    journal: null,
    wal_bytes: sizeOf(`${file}-wal`),
    runs: null,
    rows: null,
    error: null,
  };
  try {
    health.journal = readHeader(file, `project '${project}'`).walMode ? "wal" : "rollback";
    withDatabase(file, `project '${project}'`, (db) => {
      const store = new ProjectStore(db, project);
      health.generation = generationOf(store.schema);
      health.runs = store.runs().length;
      health.rows = store.hasMetrics ? Number(db.get("SELECT COUNT(*) AS n FROM metrics")?.n ?? 0) : 0;
    });
  } catch (error) {
    health.error = asCliError(error).message;
  }
  return health;
}

function render(r: Report): string {
  const lines = [
    `data directory: ${r.data_dir} (from ${r.source})${r.exists ? "" : " — does not exist"}`,
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
        p.error ?? "ok",
      ]),
    ));
  }
  if (r.problems.length > 0) lines.push("", ...r.problems.map((p) => `problem: ${p}`));
  else lines.push("", "no problems found");
  return lines.join("\n");
}

export const doctor = defineTool({
  name: "doctor",
  title: "Check the data directory",
  description: "Where trackio-cli looks for Trackio data and why (flag, environment variable or " +
    "default), and for each project its schema generation, journal mode, runs, rows, whether a writer " +
    "is attached (a -wal file) and anything unreadable. Call it when a project or run is not found.",
  input: z.object({}),
  output: report,
  cli: {
    command: "doctor",
    aliases: [],
    examples: ["trackio-cli doctor", "TRACKIO_DIR=/data/trackio trackio-cli doctor --json"],
  },
  rows: (r: { projects: Record<string, unknown>[] }) => r.projects,
  render,
  handler: (_args, ctx) => {
    const { path, source } = ctx.dataDir;
    let exists = false;
    try {
      exists = Deno.statSync(path).isDirectory;
    } catch {
      exists = false;
    }
    const env = Object.fromEntries(
      ["TRACKIO_DIR", "HF_HOME", "XDG_CACHE_HOME"].map((k) => [k, readEnv(k) ?? null]),
    );
    const projects = exists ? listProjectNames(path).map((name) => inspect(path, name)) : [];
    const problems: string[] = [];
    if (!exists) {
      problems.push(
        `${path} does not exist: Trackio has not logged here. Set TRACKIO_DIR or pass --dir to where your *.db files are.`,
      );
    } else if (projects.length === 0) problems.push(`${path} holds no *.db project files`);
    for (const p of projects) if (p.error) problems.push(p.error);
    return output({ data_dir: path, source, exists, env, projects, problems });
  },
});
