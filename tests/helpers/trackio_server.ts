/**
 * A test double of Trackio 0.36's HTTP API (`trackio show`: `POST /api/{name}`, `GET /version`)
 * serving real Trackio SQLite files read-only. It is pinned to recordings of the real server
 * (tests/fixtures/trackio-http/, replayed by tests/trackio_http_contract_test.ts): body forms,
 * the `{"data": ...}` envelope, error statuses and messages, NaN/Infinity as null, writes refused.
 * It shares no code with trackio-cli's own reader, so that it can catch the reader's mistakes.
 */
import { apiError, dumpsPy, isDict, parsePyJson, PyError, pyException, type PyValue } from "./trackio_py.ts";
import { queryProject } from "./trackio_query.ts";
import {
  getAlerts,
  getAllProjects,
  getLogs,
  getMetricsForRun,
  getMetricValues,
  getProjectSummary,
  getRunConfigs,
  getRunsForProject,
  getRunSummary,
  getSettings,
  getSnapshot,
  getSystemLogs,
  getSystemMetricsForRun,
} from "./trackio_server_reads.ts";

export interface TrackioServerOptions {
  /** The served data directory (Trackio's TRACKIO_DIR): one `<project>.db` per project. */
  dir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** `version` of /version; default "0.36.0". */
  version?: string;
  /** `api_version` of /version; default 1. `null`: a server without /version (404), as older ones. */
  apiVersion?: number | null;
}

export interface TrackioServerStats {
  requests: number;
  /** Response body bytes as sent (compressed size when gzip was negotiated). */
  bytesOut: number;
  /** Requests per URL path. */
  byPath: Map<string, number>;
  /** Milliseconds spent answering requests (SQL, JSON), and compressing the answers. */
  answerMs: number;
  compressMs: number;
  /** Answers sent gzipped. */
  gzipped: number;
}

export interface TrackioServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  stats: TrackioServerStats;
  close(): Promise<void>;
}

export interface TrackioResponse {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

type Args = Record<string, PyValue>;

interface Param {
  name: string;
  required: boolean;
}

interface Endpoint {
  params: Param[];
  call(dir: string, a: Args): PyValue;
}

const req = (name: string): Param => ({ name, required: true });
const opt = (name: string): Param => ({ name, required: false });

const windowArgs = (a: Args) => ({
  step: a.step,
  aroundStep: a.around_step,
  atTime: a.at_time,
  window: a.window,
});

const READS: Record<string, Endpoint> = {
  get_run_mutation_status: {
    params: [req("request")],
    call: () => ({ spaces: false, allowed: false, auth: "none" }),
  },
  get_alerts: {
    params: [req("project"), opt("run"), opt("run_id"), opt("level"), opt("since")],
    call: (dir, a) => getAlerts(dir, a.project, a.run, a.run_id, a.level, a.since),
  },
  get_metric_values: {
    params: [
      req("project"),
      req("run"),
      req("metric_name"),
      opt("step"),
      opt("around_step"),
      opt("at_time"),
      opt("window"),
      opt("run_id"),
    ],
    call: (dir, a) => getMetricValues(dir, a.project, a.run, a.metric_name, windowArgs(a), a.run_id),
  },
  get_runs_for_project: { params: [req("project")], call: (dir, a) => getRunsForProject(dir, a.project) },
  get_run_configs: { params: [req("project")], call: (dir, a) => getRunConfigs(dir, a.project) },
  get_metrics_for_run: {
    params: [req("project"), opt("run"), opt("run_id")],
    call: (dir, a) => getMetricsForRun(dir, a.project, a.run, a.run_id),
  },
  get_all_projects: { params: [], call: (dir) => getAllProjects(dir) },
  get_project_summary: { params: [req("project")], call: (dir, a) => getProjectSummary(dir, a.project) },
  get_run_summary: {
    params: [req("project"), opt("run"), opt("run_id")],
    call: (dir, a) => getRunSummary(dir, a.project, a.run, a.run_id),
  },
  get_system_metrics_for_run: {
    params: [req("project"), opt("run"), opt("run_id")],
    call: (dir, a) => getSystemMetricsForRun(dir, a.project, a.run, a.run_id),
  },
  get_system_logs: {
    params: [req("project"), opt("run"), opt("run_id")],
    call: (dir, a) => getSystemLogs(dir, a.project, a.run, a.run_id),
  },
  get_snapshot: {
    params: [
      req("project"),
      opt("run"),
      opt("run_id"),
      opt("step"),
      opt("around_step"),
      opt("at_time"),
      opt("window"),
    ],
    call: (dir, a) => getSnapshot(dir, a.project, a.run, a.run_id, windowArgs(a)),
  },
  get_logs: {
    params: [req("project"), opt("run"), opt("run_id"), opt("scalar_only")],
    call: (dir, a) => getLogs(dir, a.project, a.run, a.run_id, a.scalar_only),
  },
  query_project: {
    params: [req("project"), req("query")],
    call: (dir, a) => {
      const r = queryProject(dir, a.project, a.query);
      return new Map<string, PyValue>([
        ["project", r.project],
        ["query", r.query],
        ["columns", r.columns],
        ["rows", r.rows],
        ["row_count", r.row_count],
      ]);
    },
  },
  get_settings: { params: [], call: (dir) => getSettings(dir) },
};

const LOG_REFUSED = "A write_token is required to log metrics or upload to this server. " +
  "Use the write-access URL from trackio.show(), set TRACKIO_WRITE_TOKEN, or send header X-Trackio-Write-Token.";
const MUTATE_REFUSED = "A write_token is required to delete or rename runs. " +
  "Open the dashboard using the link that includes the write_token query parameter.";
const UPLOAD_REFUSED = "A write_token is required to upload files to this server. " +
  "Use the write-access URL from trackio.show(), set TRACKIO_WRITE_TOKEN, or send header X-Trackio-Write-Token.";

/**
 * Trackio's writes, with their signatures so that a missing parameter is reported first, as
 * Trackio does; then every one is refused, because no caller of the double holds its write token.
 */
function refused(message: string, ...params: Param[]): Endpoint {
  return {
    params: [req("request"), ...params],
    call: () => {
      throw apiError(message);
    },
  };
}

const WRITES: Record<string, Endpoint> = {
  upload_db_to_space: refused(LOG_REFUSED, req("project"), req("uploaded_db"), req("hf_token")),
  bulk_upload_media: refused(LOG_REFUSED, req("uploads"), req("hf_token")),
  check_artifact_blobs: refused(LOG_REFUSED, req("project"), req("digests"), opt("hf_token")),
  bulk_upload_artifact_blob: refused(LOG_REFUSED, req("project"), req("uploads"), req("hf_token")),
  artifact_log: refused(
    LOG_REFUSED,
    ...[
      "project",
      "name",
      "type",
      "description",
      "metadata",
      "manifest",
      "aliases",
      "run_name",
      "run_id",
      "hf_token",
    ]
      .map(req),
  ),
  log_artifact_use: refused(
    LOG_REFUSED,
    req("project"),
    req("version_id"),
    req("run_name"),
    req("run_id"),
    req("hf_token"),
  ),
  log: refused(
    LOG_REFUSED,
    req("project"),
    req("run"),
    req("metrics"),
    req("step"),
    req("hf_token"),
    opt("run_id"),
  ),
  bulk_log: refused(LOG_REFUSED, req("logs"), req("hf_token")),
  bulk_log_system: refused(LOG_REFUSED, req("logs"), req("hf_token")),
  bulk_alert: refused(LOG_REFUSED, req("alerts"), req("hf_token")),
  delete_run: refused(MUTATE_REFUSED, req("project"), opt("run"), opt("run_id")),
  rename_run: refused(MUTATE_REFUSED, req("project"), req("old_name"), req("new_name"), opt("run_id")),
};

const ENDPOINTS: Record<string, Endpoint> = { ...READS, ...WRITES };

/** Python truthiness, for `body.get("args") or []`. */
function truthy(v: PyValue | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === 0n || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  if (typeof v === "object" && "value" in v) return v.value !== 0;
  return true;
}

/** `run_api_request`'s reading of the body: kwargs, `{args, kwargs}`, `{data: [...]}` or positional. */
function splitBody(body: PyValue): { args: PyValue[]; kwargs: Args } {
  let args: PyValue = [];
  let kwargs: PyValue = {};
  if (isDict(body)) {
    if ("args" in body || "kwargs" in body) {
      args = truthy(body.args) ? body.args : [];
      kwargs = truthy(body.kwargs) ? body.kwargs : {};
    } else if ("data" in body && Array.isArray(body.data)) args = body.data;
    else kwargs = body;
  } else if (Array.isArray(body)) args = body;
  else if (body !== null) args = [body];
  return { args: Array.isArray(args) ? args : [args], kwargs: isDict(kwargs) ? kwargs : {} };
}

/**
 * `_invoke_handler` followed by Python's own call: a parameter named in kwargs is taken from there,
 * the next positional value otherwise; then positional values fill the signature from its start,
 * so mixing the two forms can collide the way Python collides.
 */
function bindArguments(name: string, params: Param[], args: PyValue[], kwargs: Args): Args {
  const positional: PyValue[] = [];
  const keyword = new Map<string, PyValue>();
  let next = 0;
  for (const p of params) {
    if (p.name === "request") keyword.set("request", null);
    else if (Object.hasOwn(kwargs, p.name)) keyword.set(p.name, kwargs[p.name]);
    else if (next < args.length) positional.push(args[next++]);
    else if (p.required) throw apiError(`Missing required parameter: ${p.name}`);
  }
  const bound: Args = {};
  positional.forEach((v, i) => (bound[params[i].name] = v));
  for (const [k, v] of keyword) {
    if (Object.hasOwn(bound, k)) throw pyException(`${name}() got multiple values for argument '${k}'`);
    bound[k] = v;
  }
  for (const p of params) {
    if (Object.hasOwn(bound, p.name)) continue;
    if (p.required) throw pyException(`${name}() missing 1 required positional argument: '${p.name}'`);
    bound[p.name] = null;
  }
  return bound;
}

function json(status: number, body: string): TrackioResponse {
  return { status, contentType: "application/json", body };
}

const text = (status: number, body: string, allow?: string): TrackioResponse => ({
  status,
  contentType: "text/plain; charset=utf-8",
  body,
  headers: allow ? { allow } : undefined,
});

function runApi(dir: string, name: string, bodyBytes: Uint8Array): TrackioResponse {
  const endpoint = Object.hasOwn(ENDPOINTS, name) ? ENDPOINTS[name] : undefined;
  if (!endpoint) return json(404, JSON.stringify({ error: `Unknown API: ${name}` }));
  let body: PyValue;
  try {
    // Starlette's request.json(); anything it cannot parse counts as no arguments.
    body = parsePyJson(new TextDecoder("utf-8", { fatal: true }).decode(bodyBytes));
  } catch {
    body = {};
  }
  const { args, kwargs } = splitBody(body);
  try {
    const result = endpoint.call(dir, bindArguments(name, endpoint.params, args, kwargs));
    return json(200, `{"data":${dumpsPy(result)}}`);
  } catch (e) {
    const status = e instanceof PyError ? e.status : 500;
    return json(status, JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
  }
}

export interface HandlerOptions {
  version?: string;
  apiVersion?: number | null;
}

/** The whole server as a pure function of one request (no network), for fast in-process replays. */
export function handleTrackioRequest(
  dir: string,
  method: string,
  path: string,
  body: Uint8Array = new Uint8Array(),
  options: HandlerOptions = {},
): TrackioResponse {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(path, "http://double/").pathname);
  } catch {
    return text(404, "Not Found");
  }
  const m = method.toUpperCase();
  const apiVersion = options.apiVersion === undefined ? 1 : options.apiVersion;
  if (pathname === "/version" && apiVersion !== null) {
    if (m !== "GET" && m !== "HEAD") return text(405, "Method Not Allowed", "GET, HEAD");
    return json(
      200,
      dumpsPy({
        version: options.version ?? "0.36.0",
        api_version: apiVersion,
        api_transport: "http",
        mcp_enabled: true,
        mcp_path: "/mcp",
      }),
    );
  }
  if (pathname === "/api/upload") {
    if (m !== "POST") return text(405, "Method Not Allowed", "POST");
    return json(400, JSON.stringify({ error: UPLOAD_REFUSED }));
  }
  const api = /^\/api\/([^/]+)$/.exec(pathname);
  if (api) {
    if (m !== "POST") return text(405, "Method Not Allowed", "POST");
    return runApi(dir, api[1], body);
  }
  return text(404, "Not Found");
}

/** Trackio compresses whatever the client accepts; of its codings the double speaks gzip only. */
function acceptsGzip(header: string | null): boolean {
  return (header ?? "").split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return coding.trim() === "gzip" && (q === undefined || Number(q.slice(2)) > 0);
  });
}

async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function startTrackioServer(options: TrackioServerOptions): TrackioServer {
  const stats: TrackioServerStats = {
    requests: 0,
    bytesOut: 0,
    byPath: new Map(),
    answerMs: 0,
    compressMs: 0,
    gzipped: 0,
  };
  const handlerOptions = { version: options.version, apiVersion: options.apiVersion };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen() {} },
    async (request) => {
      const url = new URL(request.url);
      stats.requests++;
      stats.byPath.set(url.pathname, (stats.byPath.get(url.pathname) ?? 0) + 1);
      const body = new Uint8Array(await request.arrayBuffer());
      const started = performance.now();
      const r = handleTrackioRequest(
        options.dir,
        request.method,
        url.pathname + url.search,
        body,
        handlerOptions,
      );
      const headers = new Headers({ "content-type": r.contentType, vary: "Accept-Encoding", ...r.headers });
      let bytes = new TextEncoder().encode(r.body);
      const answered = performance.now();
      stats.answerMs += answered - started;
      if (acceptsGzip(request.headers.get("accept-encoding"))) {
        bytes = await gzip(bytes);
        headers.set("content-encoding", "gzip");
        stats.compressMs += performance.now() - answered;
        stats.gzipped++;
      }
      if (request.method !== "HEAD") stats.bytesOut += bytes.length;
      // Compressed answers go chunked, without Content-Length, as Trackio sends them.
      const payload = headers.has("content-encoding") ? ReadableStream.from([bytes]) : bytes;
      return new Response(payload, { status: r.status, headers });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    stats,
    close: () => server.shutdown(),
  };
}
