import { usageError } from "../errors.ts";

/** How a webhook wants its message: Slack's blocks, Discord's embeds, or the event as JSON. */
export type WebhookFormat = "slack" | "discord" | "json";

const FORMATS: WebhookFormat[] = ["slack", "discord", "json"];

const isDiscordHost = (host: string) =>
  ["discord.com", "discordapp.com"].some((domain) => host === domain || host.endsWith(`.${domain}`));

/** Discord's webhook paths, with or without an API version: `/api/webhooks/…`, `/api/v10/webhooks/…`. */
const DISCORD_PATH = /^\/api\/(?:v\d+\/)?webhooks\//;

/** Slack's first path segment says what kind of hook it is; everything after it is the secret. */
const SLACK_KINDS = new Set(["services", "workflows", "triggers"]);

/**
 * The format a URL asks for. Trackio (trackio/alerts.py) looks for `hooks.slack.com` and
 * `discord.com/api/webhooks` / `discordapp.com/api/webhooks` anywhere in the URL; we look at the host and
 * path only, so a relay whose URL merely contains those words gets JSON unless its format is given.
 */
export function formatForUrl(url: URL): WebhookFormat {
  if (url.hostname === "hooks.slack.com") return "slack";
  if (isDiscordHost(url.hostname) && DISCORD_PATH.test(url.pathname)) return "discord";
  return "json";
}

/** A format named on the command line, any case. */
export function webhookFormatOf(text: string, origin: string): WebhookFormat {
  const format = FORMATS.find((f) => f === text.trim().toLowerCase());
  if (format !== undefined) return format;
  throw usageError(`${origin}: '${text}' is not a webhook format: use ${FORMATS.join(", ")}`);
}

/** The path segments of `url` that say what it is without being its secret. */
function publicSegments(url: URL): string[] {
  const segments = url.pathname.split("/").filter((s) => s !== "");
  if (url.hostname === "hooks.slack.com") return SLACK_KINDS.has(segments[0]) ? segments.slice(0, 1) : [];
  if (isDiscordHost(url.hostname) && DISCORD_PATH.test(url.pathname)) {
    return segments.slice(0, segments.indexOf("webhooks") + 1);
  }
  return [];
}

/**
 * A webhook URL fit for logs: scheme, host and the segments that are not secret, then `/***`
 * (`https://hooks.slack.com/services/***`). No user, password, query or fragment: any of them can be
 * the secret. Text that is not a URL keeps what precedes its first `/` (a host, when the scheme was
 * forgotten).
 */
export function redactWebhookUrl(url: string): string {
  const text = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    // What precedes the first `/` is kept only if it is a host name: otherwise it may be the secret.
    const head = text.split(/[/?#@]/)[0];
    return /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?$/i.test(head) ? `${head}/***` : "***";
  }
  const kept = publicSegments(parsed).map((s) => `/${s}`).join("");
  return `${parsed.protocol}//${parsed.host}${kept}/***`;
}

/**
 * `text` (an error's message, a response body) with the URL's secret parts put out of sight: the whole
 * URL as it was given, as parsed and percent-decoded, then each secret piece (path segments past the public ones, the
 * query, user and password), raw and percent-decoded. Pieces shorter than 4 characters stay: they are no
 * secret, and would mangle ordinary words.
 */
export function redactIn(text: string, url: string): string {
  const shown = redactWebhookUrl(url);
  let out = text;
  for (const whole of [url, url.trim()].filter((u) => u.length >= 4)) out = out.replaceAll(whole, shown);
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return out;
  }
  for (const whole of [parsed.href, safeDecode(parsed.href)]) out = out.replaceAll(whole, shown);
  const segments = parsed.pathname.split("/").filter((s) => s !== "");
  const secret = [
    parsed.pathname + parsed.search,
    ...segments.slice(publicSegments(parsed).length),
    parsed.search.slice(1),
    parsed.username,
    parsed.password,
  ];
  const pieces = new Set(secret.flatMap((piece) => [piece, safeDecode(piece)]));
  for (const piece of [...pieces].filter((p) => p.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.replaceAll(piece, "***");
  }
  return out;
}

function safeDecode(piece: string): string {
  try {
    return decodeURIComponent(piece);
  } catch {
    return piece;
  }
}

/** The webhook's URL, checked: http or https, and a usage error that never shows its secret. */
export function checkWebhookUrl(url: string, origin: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw usageError(
      `${origin}: '${redactWebhookUrl(url)}' is not a URL`,
      "give the webhook's whole URL, starting with https://",
    );
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw usageError(`${origin}: ${redactWebhookUrl(url)} is not an http or https URL`);
  }
  return parsed;
}
