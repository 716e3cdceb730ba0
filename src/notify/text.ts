/** Text cut to fit the limits of Slack and Discord, which reject a message over them instead of cutting it. */

/**
 * `text` in at most `max` UTF-16 units, ending in "…" when cut. Discord and Slack count characters;
 * a UTF-16 unit is never more than one, so what fits here fits there. A surrogate pair is never split.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * Slack reads `&`, `<` and `>` as markup (`<!channel>` notifies everyone, `<url|text>` is a link), so text
 * from runs is escaped the way Slack's message formatting asks.
 */
export const escapeMrkdwn = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** Escaped, then clipped without leaving half an entity (`&am…`) at the cut. */
export function clipMrkdwn(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  const cut = clip(escaped, max);
  return cut.replace(/&[a-z]{0,3}…$/, "…");
}

/** Steps for people: the first `max`, then how many more. */
export function stepsText(steps: number[], max = 10): string {
  const shown = steps.slice(0, max).join(", ");
  return steps.length > max ? `${shown} … (${steps.length - max} more)` : shown;
}

/** A wait in seconds for a log line: `2 s`, `0.15 s`. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 1000 ? 2 : 1))} s`;
}

/** As many lines as fit in `max` characters, then how many did not (`more(n)`). */
export function fitLines(lines: string[], max: number, more: (n: number) => string): string {
  let out = "";
  for (const [i, line] of lines.entries()) {
    const next = out === "" ? line : `${out}\n${line}`;
    const rest = lines.length - i - 1;
    // Room is kept for the note of what is left out, should a later line not fit.
    if ((rest > 0 ? `${next}\n${more(rest)}` : next).length > max) {
      return clip(out === "" ? more(lines.length - i) : `${out}\n${more(lines.length - i)}`, max);
    }
    out = next;
  }
  return out;
}
