/** What a webhook message says about an event or a burst of them, before Slack or Discord dress it. */
import { worst } from "../analysis/findings.ts";
import type { WatchEvent, WatchEventKind } from "../watch/event.ts";
import type { Level } from "./levels.ts";
import { stepsText } from "./text.ts";

export const EMOJI: Record<Level, string> = { info: "ℹ️", warning: "⚠️", critical: "🚨" };

const VERB: Record<WatchEventKind, string> = {
  finding_opened: "",
  finding_cleared: " cleared",
  run_started: " started",
  run_finished: " finished",
  run_stalled: " stalled",
  run_resumed: " resumed",
};

export interface Fact {
  name: string;
  value: string;
}

export interface EventMessage {
  level: Level;
  /** `🚨 [CRITICAL] loss.divergence on run-a`. */
  title: string;
  /** One line for notifications and clients that show no blocks or embeds. */
  fallback: string;
  /** The event's sentence. */
  body: string;
  /** Short name-value pairs: project, run, verdict, step, evidence steps. */
  facts: Fact[];
  /** The first of the event's actions: the one to do. */
  action: string | null;
  /** An http(s) link to the run's Space; anything else is left out rather than sent as a link. */
  url: string | null;
}

/** `loss.divergence on run-a`, `run-a finished`. */
function subject(event: WatchEvent): string {
  const finding = event.kind === "finding_opened" || event.kind === "finding_cleared";
  return finding
    ? `${event.rule ?? "a finding"}${VERB[event.kind]} on ${event.run}`
    : `${event.run}${VERB[event.kind]}`;
}

/** `[CRITICAL] loss.divergence on run-a (project demo): the sentence`: a message in one line. */
export const oneLine = (event: WatchEvent) =>
  `[${event.severity.toUpperCase()}] ${subject(event)} (project ${event.project}): ${event.message}`;

function httpUrl(text: string | null): string | null {
  if (text === null) return null;
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

export function eventMessage(event: WatchEvent): EventMessage {
  const facts: Fact[] = [
    { name: "Project", value: event.project },
    { name: "Run", value: event.run },
    { name: "Verdict", value: event.verdict },
  ];
  if (event.step !== null) facts.push({ name: "Step", value: String(event.step) });
  if (event.evidence_steps.length > 0) {
    facts.push({ name: "Evidence steps", value: stepsText(event.evidence_steps) });
  }
  return {
    level: event.severity,
    title: `${EMOJI[event.severity]} [${event.severity.toUpperCase()}] ${subject(event)}`,
    fallback: oneLine(event),
    body: event.message,
    facts,
    action: event.actions[0] ?? null,
    url: httpUrl(event.url),
  };
}

export interface SummaryMessage {
  /** The worst severity among the events. */
  level: Level;
  /** `12 more events: 7 finding_opened (loss.divergence ×4, grad.explosion ×3), 5 run_finished`. */
  line: string;
  /** Each event in one line, in the order they came. */
  items: string[];
}

/** Names by how often they come, the first seen first among equals (a Map keeps insertion order). */
function counted(names: string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}

export function summaryMessage(events: WatchEvent[]): SummaryMessage {
  const kinds = counted(events.map((e) => e.kind)).map(([kind, n]) => {
    const rules = counted(events.filter((e) => e.kind === kind && e.rule !== null).map((e) => e.rule ?? ""));
    const detail = rules.length > 0 ? ` (${rules.map(([rule, k]) => `${rule} ×${k}`).join(", ")})` : "";
    return `${n} ${kind}${detail}`;
  });
  const noun = events.length === 1 ? "event" : "events";
  const level = worst(events.map((e) => e.severity));
  return {
    level: level === "ok" ? "info" : level,
    line: `${events.length} more ${noun}: ${kinds.join(", ")}`,
    items: events.map(oneLine),
  };
}
