import { TrackioClient } from "../../src/store/remote/client.ts";
import type { PageSizes } from "../../src/store/remote/remote_project.ts";
import { RemoteSource } from "../../src/store/remote/remote_source.ts";
import type { ToolContext } from "../../src/tools/registry.ts";
import { startTrackioServer, type TrackioServer } from "./trackio_server.ts";

/** A Trackio HTTP API double serving `dir` on loopback, and a tool context reading it through it. */
export function serveDir(dir: string): { server: TrackioServer; ctx: ToolContext; source: RemoteSource } {
  const server = startTrackioServer({ dir });
  const source = remoteSource(server.url);
  return { server, ctx: { source }, source };
}

/**
 * A remote source for a server URL, with short retries so tests of faults stay quick; small `pages`
 * make a short run read in many pages.
 */
export function remoteSource(url: string, token?: string, pages?: PageSizes): RemoteSource {
  const client = new TrackioClient(new URL(url), { token, timeoutMs: 10_000, backoffMs: [50, 100] });
  return new RemoteSource(client, "--space", pages);
}
