/**
 * Discord webhook payloads: `content` (what notifications show) and one embed, within Discord's limits:
 * content ≤ 2000 characters; an embed's title ≤ 256, description ≤ 4096, ≤ 25 fields of name ≤ 256 and
 * value ≤ 1024 (never empty), and ≤ 6000 in all. `allowed_mentions` with nothing to parse keeps a run
 * named `@everyone` from pinging anyone.
 */
import type { Level } from "./levels.ts";
import type { EventMessage, SummaryMessage } from "./message.ts";
import { EMOJI } from "./message.ts";
import { clip, fitLines } from "./text.ts";

interface Field {
  name: string;
  value: string;
  inline: boolean;
}

interface Embed {
  title: string;
  description: string;
  color: number;
  fields?: Field[];
  url?: string;
}

export interface DiscordPayload {
  content: string;
  embeds: Embed[];
  allowed_mentions: { parse: string[] };
}

/** Discord's own blue, yellow and red. */
const COLOR: Record<Level, number> = { info: 0x3498db, warning: 0xf1c40f, critical: 0xe74c3c };

const EMBED_TOTAL = 6000;
const NO_MENTIONS = { parse: [] };

const field = (name: string, value: string, max: number, inline: boolean): Field => ({
  name,
  value: clip(value === "" ? "-" : value, max),
  inline,
});

export function discordEvent(message: EventMessage): DiscordPayload {
  const fields = message.facts.map((f) => field(f.name, f.value, 256, true));
  if (message.action !== null) fields.push(field("Recommended action", message.action, 1024, false));
  const title = clip(message.title, 256);
  const used = title.length + fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  const embed: Embed = {
    title,
    description: clip(message.body === "" ? "-" : message.body, Math.min(4096, EMBED_TOTAL - used)),
    color: COLOR[message.level],
    fields,
  };
  if (message.url !== null && message.url.length <= 2048) embed.url = message.url;
  return { content: clip(message.fallback, 2000), embeds: [embed], allowed_mentions: NO_MENTIONS };
}

export function discordSummary(summary: SummaryMessage): DiscordPayload {
  const lines = summary.items.map((item) => `• ${clip(item, 300)}`);
  const embed: Embed = {
    title: clip(`${EMOJI[summary.level]} ${summary.line}`, 256),
    description: fitLines(lines, 4096, (n) => `… and ${n} more`),
    color: COLOR[summary.level],
  };
  return { content: clip(summary.line, 2000), embeds: [embed], allowed_mentions: NO_MENTIONS };
}
