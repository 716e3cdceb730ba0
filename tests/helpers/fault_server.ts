/**
 * Servers that misbehave the way a Trackio Space or a self-hosted Trackio server can: the Trackio
 * double (trackio_server.ts) behind a hook that may answer a request itself (an error status, a cut
 * body, an HTML page, a delay), and a server that accepts connections but never answers.
 * Every request is recorded with its authorization and accept-encoding headers, so that tests can
 * count retries and see what credentials and codings went over the wire.
 */
import { type HandlerOptions, handleTrackioRequest } from "./trackio_server.ts";

export interface SeenRequest {
  method: string;
  path: string;
  body: string;
  authorization: string | null;
  acceptEncoding: string | null;
}

/**
 * Decides the answer to one request (`index` counts from 0 over the server's life): a Response, or
 * undefined to let the Trackio double answer. It may be async (to delay an answer).
 */
export type Fault = (
  request: SeenRequest,
  index: number,
) => Response | undefined | Promise<Response | undefined>;

export interface FaultServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** The Trackio double's answer to a request, as a Response (uncompressed). */
export function doubleAnswer(dir: string, request: SeenRequest, options: HandlerOptions = {}): Response {
  const r = handleTrackioRequest(
    dir,
    request.method,
    request.path,
    new TextEncoder().encode(request.body),
    options,
  );
  return new Response(r.body, { status: r.status, headers: { "content-type": r.contentType, ...r.headers } });
}

export function startFaultServer(
  options: { dir: string; port?: number; fault?: Fault } & HandlerOptions,
): FaultServer {
  const seen: SeenRequest[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen() {} },
    async (request) => {
      const url = new URL(request.url);
      const entry: SeenRequest = {
        method: request.method,
        path: url.pathname + url.search,
        body: await request.text(),
        authorization: request.headers.get("authorization"),
        acceptEncoding: request.headers.get("accept-encoding"),
      };
      const index = seen.length;
      seen.push(entry);
      const answer = await options.fault?.(entry, index);
      return answer ?? doubleAnswer(options.dir, entry, options);
    },
  );
  const port = server.addr.port;
  return { url: `http://127.0.0.1:${port}/`, port, seen, close: () => server.shutdown() };
}

/** A port nothing listens on: bound once, then released. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export interface RawServer {
  url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/**
 * A TCP server below HTTP. Each connection's request is read; then `send` (raw bytes of an HTTP
 * answer, or of part of one) is written, and the connection is closed if `hangUp`, else left
 * open and silent. Without `send` it answers nothing at all: a server that never answers.
 */
export function startRawServer(options: { send?: string; hangUp?: boolean } = {}): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  let accepted = 0;
  const serve = async (conn: Deno.Conn) => {
    try {
      await conn.read(new Uint8Array(65536));
      if (options.send !== undefined) await conn.write(new TextEncoder().encode(options.send));
      if (options.hangUp) {
        conns.delete(conn);
        conn.close();
      }
    } catch {
      // The client went away, or close() closed the connection.
    }
  };
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        accepted++;
        conns.add(conn);
        const task = serve(conn);
        tasks.add(task);
        task.finally(() => tasks.delete(task));
      }
    } catch {
      // The listener was closed.
    }
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/`,
    get accepted() {
      return accepted;
    },
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      }
      await loop;
      await Promise.all(tasks);
    },
  };
}
