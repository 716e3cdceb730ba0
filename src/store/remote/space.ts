import { usageError } from "../../errors.ts";

/**
 * The base URL of a Trackio server: a Space id `user/space` becomes `https://user-space.hf.space/`
 * the way Trackio derives it (lower case, `_` and `.` as `-`); a URL is kept, without its query,
 * fragment or credentials (Trackio puts write tokens there, which a reader must never send).
 */
export function serverUrl(space: string): URL {
  const given = space.trim();
  if (/^https?:\/\//i.test(given)) {
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      throw usageError(`'${space}' is not a URL`);
    }
    url.search = "";
    url.hash = "";
    url.username = "";
    url.password = "";
    if (!url.pathname.endsWith("/")) url.pathname += "/";
    return url;
  }
  const parts = given.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1] || /\s|:/.test(given)) {
    throw usageError(
      `'${space}' is neither a Space id (user/space) nor a URL (https://...)`,
      "e.g. julien/trackio or https://trackio.example.com",
    );
  }
  const subdomain = `${parts[0]}-${parts[1]}`.toLowerCase().replaceAll("_", "-").replaceAll(".", "-");
  return new URL(`https://${subdomain}.hf.space/`);
}

/**
 * A `--space` value as it may be shown or written into a config: a Space id as given, a URL without
 * the credentials or write token it may carry.
 */
export function shownSpace(space: string): string {
  return /^https?:\/\//i.test(space.trim()) ? serverUrl(space).href : space.trim();
}

/** Loopback addresses, where a token over plain HTTP never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Whether a token may be sent to this server: over HTTPS, or over HTTP to this machine only. */
export const tokenAllowed = (url: URL) => url.protocol === "https:" || isLoopbackHost(url.hostname);
