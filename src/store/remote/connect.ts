import { usageError } from "../../errors.ts";
import { type ClientOptions, TrackioClient } from "./client.ts";
import { COMPRESSION_POLICIES, type CompressionPolicy } from "./coding.ts";
import { findHfToken } from "./hf_token.ts";
import { RemoteSource } from "./remote_source.ts";
import { serverUrl } from "./space.ts";

/** Seconds one request to a Trackio server may take, unless `TRACKIO_CLI_TIMEOUT` says otherwise. */
export const DEFAULT_TIMEOUT_SECONDS = 30;
/** Waits before retrying a request that failed in a way that may pass: a Space waking or restarting. */
export const RETRY_BACKOFF_MS = [500, 1000, 2000];

export interface RemoteSettings {
  /** A Space id or server URL. */
  space: string;
  /** Which setting named it: `--space` or `TRACKIO_SPACE_ID`. */
  origin: string;
  hfToken?: string;
  env: (name: string) => string | undefined;
  /** For tab completion: a few seconds at most, no retries; no names is better than a wait. */
  quick?: boolean;
}

/** How long tab completion waits for a server. */
export const QUICK_TIMEOUT_MS = 2000;

/** The source for a Trackio Space or server; nothing is sent until the first read. */
export function connectRemote(settings: RemoteSettings): RemoteSource {
  const url = serverUrl(settings.space);
  const timeoutText = settings.env("TRACKIO_CLI_TIMEOUT");
  const timeout = timeoutText === undefined ? DEFAULT_TIMEOUT_SECONDS : Number(timeoutText);
  if (!(timeout > 0)) throw usageError(`TRACKIO_CLI_TIMEOUT: '${timeoutText}' is not a number of seconds`);
  const compression = compressionOf(settings.env("TRACKIO_CLI_COMPRESSION"));
  const { token, source } = findHfToken(settings.hfToken, settings.env);
  // A header cannot hold these, and the runtime's error would quote the token.
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) {
    throw usageError(
      `the Hugging Face token from ${source} has a space, a line break or a character no token has`,
      "pass the token alone, on one line",
    );
  }
  // Timers fire at once beyond 2^31 - 1 ms (~24.8 days): longer means "as long as it takes".
  const timeoutMs = Math.min(timeout * 1000, 2 ** 31 - 1);
  const options: ClientOptions = settings.quick
    ? { token, timeoutMs: Math.min(timeoutMs, QUICK_TIMEOUT_MS), backoffMs: [], compression }
    : { token, timeoutMs, backoffMs: RETRY_BACKOFF_MS, compression };
  return new RemoteSource(new TrackioClient(url, options), settings.origin, undefined, source);
}

/** `TRACKIO_CLI_COMPRESSION`: auto (the default), gzip or none. */
function compressionOf(text: string | undefined): CompressionPolicy {
  if (text === undefined || text === "") return "auto";
  const policy = COMPRESSION_POLICIES.find((p) => p === text.trim().toLowerCase());
  if (!policy) {
    throw usageError(`TRACKIO_CLI_COMPRESSION: '${text}' is not one of ${COMPRESSION_POLICIES.join(", ")}`);
  }
  return policy;
}
