/**
 * The body posted for an event or a summary, by format. `json` posts the event itself, exactly as
 * `watch --json` prints it, and a summary as `{"events": [...]}` (every event held, whole), so a receiver
 * tells the two apart by the `events` key.
 */
import { toJson } from "../json.ts";
import type { WatchEvent } from "../watch/event.ts";
import { discordEvent, discordSummary } from "./discord.ts";
import { eventMessage, summaryMessage } from "./message.ts";
import { slackEvent, slackSummary } from "./slack.ts";
import type { WebhookFormat } from "./url.ts";

export function eventBody(format: WebhookFormat, event: WatchEvent): string {
  if (format === "slack") return toJson(slackEvent(eventMessage(event)));
  if (format === "discord") return toJson(discordEvent(eventMessage(event)));
  return toJson(event);
}

export function summaryBody(format: WebhookFormat, events: WatchEvent[]): string {
  if (format === "slack") return toJson(slackSummary(summaryMessage(events)));
  if (format === "discord") return toJson(discordSummary(summaryMessage(events)));
  return toJson({ events });
}
