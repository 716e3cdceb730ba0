/**
 * Slack incoming-webhook payloads: `text` (what notifications show, and the fallback where blocks are not
 * shown) and `blocks` of mrkdwn sections, within Slack's limits: a section's text ≤ 3000 characters, ≤ 10
 * fields of ≤ 2000 each, ≤ 50 blocks.
 */
import type { EventMessage, SummaryMessage } from "./message.ts";
import { EMOJI } from "./message.ts";
import { clipMrkdwn, escapeMrkdwn, fitLines } from "./text.ts";

interface Mrkdwn {
  type: "mrkdwn";
  text: string;
}
type Block =
  | { type: "section"; text: Mrkdwn }
  | { type: "section"; fields: Mrkdwn[] }
  | { type: "context"; elements: Mrkdwn[] };

export interface SlackPayload {
  text: string;
  blocks: Block[];
}

const SECTION_TEXT = 3000;
const FIELD_TEXT = 2000;

const mrkdwn = (text: string): Mrkdwn => ({ type: "mrkdwn", text });
const section = (text: string): Block => ({ type: "section", text: mrkdwn(text) });

export function slackEvent(message: EventMessage): SlackPayload {
  const title = `*${clipMrkdwn(message.title, 200)}*`;
  const blocks: Block[] = [
    section(`${title}\n${clipMrkdwn(message.body, SECTION_TEXT - title.length - 1)}`),
    {
      type: "section",
      fields: message.facts.map((f) => mrkdwn(`*${f.name}*\n${clipMrkdwn(f.value, FIELD_TEXT - 40)}`)),
    },
  ];
  if (message.action !== null) {
    blocks.push(section(`*Recommended action*\n${clipMrkdwn(message.action, SECTION_TEXT - 40)}`));
  }
  if (message.url !== null) {
    // `|` ends a link's address in Slack's `<address|label>`; inside a URL it may be percent-encoded.
    const address = escapeMrkdwn(message.url.replaceAll("|", "%7C"));
    if (address.length < SECTION_TEXT - 40) {
      blocks.push({ type: "context", elements: [mrkdwn(`<${address}|Open in Trackio>`)] });
    }
  }
  return { text: clipMrkdwn(message.fallback, SECTION_TEXT), blocks };
}

export function slackSummary(summary: SummaryMessage): SlackPayload {
  const lines = summary.items.map((item) => `• ${clipMrkdwn(item, 300)}`);
  return {
    text: clipMrkdwn(summary.line, SECTION_TEXT),
    blocks: [
      section(`*${clipMrkdwn(`${EMOJI[summary.level]} ${summary.line}`, SECTION_TEXT - 2)}*`),
      section(fitLines(lines, SECTION_TEXT, (n) => `… and ${n} more`)),
    ],
  };
}
