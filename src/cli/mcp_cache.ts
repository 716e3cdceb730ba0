import { usageError } from "../errors.ts";
import { DEFAULT_CACHE_MB, RunCache } from "../tools/run_cache.ts";
import { readEnv } from "../util/env.ts";

/** The environment variable an MCP client's config can set the cache's budget with. */
export const CACHE_ENV = "TRACKIO_CLI_CACHE_MB";

/** The MCP server's run cache from --cache-mb, else the environment, else the default; none at 0. */
export function cacheFor(flag: string | undefined): RunCache | undefined {
  const text = flag ?? readEnv(CACHE_ENV);
  const megabytes = text === undefined ? DEFAULT_CACHE_MB : Number(text);
  if (text !== undefined && (text.trim() === "" || !Number.isFinite(megabytes) || megabytes < 0)) {
    const from = flag === undefined ? CACHE_ENV : "--cache-mb";
    throw usageError(`${from}: '${text}' is not a number of megabytes`);
  }
  return megabytes === 0 ? undefined : new RunCache(megabytes * 1024 * 1024);
}
