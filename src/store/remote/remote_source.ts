import { BAD_ROWS_BY_RUN_SQL, badRowsReport } from "../bad_rows.ts";
import { asCliError, notFound, TrackioCliError } from "../../errors.ts";
import { didYouMean } from "../../util/closest.ts";
import { canonicalProjectName } from "../paths.ts";
import { generationOf } from "../schema.ts";
import type { ProjectHealth, ProjectReader, Source, SourceHealth } from "../source.ts";
import type { TrackioClient } from "./client.ts";
import { shownSpace } from "./space.ts";
import { PAGE_SIZES, type PageSizes, RemoteProject, type RemoteSchema } from "./remote_project.ts";

/** How long a list of projects is trusted: a long-lived server sees new projects soon after. */
const PROJECTS_TTL_MS = 10_000;
const READ_TABLES = ["metrics", "configs", "alerts", "system_metrics"];

/** A Trackio Space or self-hosted Trackio server, read over its HTTP API. */
export class RemoteSource implements Source {
  readonly kind = "remote";
  private listed?: { at: number; names: Promise<string[]> };
  private readonly schemas = new Map<string, Promise<RemoteSchema>>();
  private readonly runCounts = new Map<string, number>();

  constructor(
    readonly client: TrackioClient,
    readonly origin: string,
    private readonly pageSizes: PageSizes = PAGE_SIZES,
    /** Where the token came from (`--hf-token`, `HF_TOKEN`, the token file, or none), for `doctor`. */
    private readonly tokenSource: string = "none",
  ) {}

  get place(): string {
    return this.client.url.href;
  }

  get location(): string {
    return `${this.place} (from ${this.origin})`;
  }

  projects(): Promise<string[]> {
    if (!this.listed || Date.now() - this.listed.at > PROJECTS_TTL_MS) {
      const names = this.client.call<string[]>("get_all_projects", {});
      this.listed = { at: Date.now(), names };
      names.catch(() => (this.listed = undefined));
    }
    return this.listed.names;
  }

  async hasProject(project: string): Promise<boolean> {
    return (await this.projects()).includes(canonicalProjectName(project));
  }

  /** Tables and columns, read once per project: Trackio never migrates a file. */
  private schema(project: string): Promise<RemoteSchema> {
    const key = canonicalProjectName(project);
    let schema = this.schemas.get(key);
    if (!schema) {
      schema = this.readSchema(project);
      this.schemas.set(key, schema);
      schema.catch(() => this.schemas.delete(key));
    }
    return schema;
  }

  private async readSchema(project: string): Promise<RemoteSchema> {
    const listed = await this.client.query(project, "SELECT name FROM sqlite_master WHERE type = 'table'");
    const tables = new Set(listed.rows.map((r) => String(r.name)));
    const columns = new Map<string, Set<string>>();
    const notNull = new Map<string, Set<string>>();
    for (const table of READ_TABLES.filter((t) => tables.has(t))) {
      const info = await this.client.query(project, `PRAGMA table_info(${table})`);
      columns.set(table, new Set(info.rows.map((r) => String(r.name))));
      notNull.set(
        table,
        new Set(info.rows.filter((r) => Number(r.notnull) === 1).map((r) => String(r.name))),
      );
    }
    return { tables, columns, notNull };
  }

  async withProject<T>(project: string, read: (reader: ProjectReader) => Promise<T>): Promise<T> {
    const names = await this.projects();
    if (!names.includes(canonicalProjectName(project))) {
      throw notFound(
        names.length === 0
          ? `project '${project}' not found: ${this.client.url.href} has no Trackio projects`
          : `project '${project}' not found in ${this.client.url.href}.${didYouMean(project, names)}`,
        undefined,
        { tool: "get_all_projects", args: {}, shows: "the projects" },
      );
    }
    return await read(
      new RemoteProject(this.client, project, await this.schema(project), this.pageSizes, this.runCounts),
    );
  }

  async health(): Promise<SourceHealth> {
    const started = performance.now();
    const server = {
      url: this.client.url.href,
      trackio_version: null as string | null,
      api_version: null as number | null,
      reachable: false,
      auth: this.client.sendsToken ? "token" as const : "none" as const,
      latency_ms: null as number | null,
    };
    const problems: string[] = [];
    const projects: ProjectHealth[] = [];
    try {
      const version = await this.client.version();
      server.latency_ms = Math.round(performance.now() - started);
      server.reachable = true;
      server.trackio_version = version.version;
      server.api_version = version.api_version;
      for (const project of await this.projects()) projects.push(await this.inspect(project, problems));
    } catch (error) {
      const e = asCliError(error);
      // A server that refused the token answered: it is reachable, and says why.
      server.reachable = e.code === "auth" || server.api_version !== null;
      if (server.reachable && server.latency_ms === null) {
        server.latency_ms = Math.round(performance.now() - started);
      }
      problems.push(e.hint ? `${e.message} (${e.hint})` : e.message);
    }
    for (const p of projects) if (p.error) problems.push(p.error);
    return {
      data_dir: this.client.url.href,
      source: this.origin,
      exists: server.reachable,
      env: { TRACKIO_SPACE_ID: spaceState(), HF_TOKEN: tokenState(), token: this.tokenSource },
      server,
      projects,
      problems,
    };
  }

  private async inspect(project: string, problems: string[]): Promise<ProjectHealth> {
    const health: ProjectHealth = {
      project,
      file: `${this.client.url.href}#${project}`,
      size_bytes: null,
      generation: null,
      journal: null,
      wal_bytes: null,
      runs: null,
      rows: null,
      bad_rows: null,
      error: null,
    };
    try {
      const schema = await this.schema(project);
      health.generation = generationOf(schema);
      await this.withProject(project, async (reader) => {
        health.runs = (await reader.runs()).length;
        if (schema.tables.has("metrics")) {
          const row = (await this.client.query(project, "SELECT COUNT(*) AS n FROM metrics")).rows[0];
          health.rows = Number(row?.n ?? 0);
          const bad = badRowsReport(project, (await this.client.query(project, BAD_ROWS_BY_RUN_SQL)).rows);
          health.bad_rows = bad.count;
          problems.push(...bad.problems);
        } else health.rows = 0;
      });
    } catch (error) {
      health.error = error instanceof TrackioCliError ? error.message : asCliError(error).message;
    }
    return health;
  }
}

/** TRACKIO_SPACE_ID as it may be shown: no credentials or write token of a URL. */
function spaceState(): string | null {
  try {
    const space = Deno.env.get("TRACKIO_SPACE_ID");
    return space ? shownSpace(space) : null;
  } catch {
    return null;
  }
}

/** Whether HF_TOKEN is set, never its value. */
function tokenState(): string | null {
  try {
    return Deno.env.get("HF_TOKEN") ? "(set)" : null;
  } catch {
    return null;
  }
}
