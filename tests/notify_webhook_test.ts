/**
 * `watch`'s webhook against a real HTTP receiver on loopback: the payloads Slack, Discord and plain JSON
 * receivers get (exactly, and within Slack's and Discord's documented shapes and limits), what is not sent
 * twice, bursts held and summed up (on a fake clock), retries of failing receivers, and the URL's secret
 * kept out of every line.
 */
import { watchEvent } from "./helpers/watch_runs.ts";
import assert from "node:assert/strict";
import { TrackioCliError } from "../src/errors.ts";
import {
  formatForUrl,
  minLevelOf,
  redactWebhookUrl,
  webhookFormatOf,
  WebhookNotifier,
  type WebhookOptions,
} from "../src/notify/webhook.ts";
import { discordEvent } from "../src/notify/discord.ts";
import { eventMessage } from "../src/notify/message.ts";
import { clip, clipMrkdwn } from "../src/notify/text.ts";

/** Every secret path segment the tests use holds this word: no line may. */
const SECRET = "T0SECRET/B0SECRET/xoxSECRETtoken";

const event = watchEvent;

async function waitFor(done: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!done()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Hit {
  body: unknown;
  at: number;
  contentType: string | null;
}

/** A webhook on loopback answering its n-th POST (from 1) with `answer(n, request)`, keeping each body. */
function receiver(
  answer: (n: number, request: Request) => Response | Promise<Response> = () => new Response("ok"),
) {
  const hits: Hit[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => {
    hits.push({
      body: await request.json(),
      at: performance.now(),
      contentType: request.headers.get("content-type"),
    });
    return answer(hits.length, request);
  });
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}/hooks/${SECRET}`,
    shown: `http://127.0.0.1:${port}/***`,
    hits,
    bodies: () => hits.map((h) => h.body),
    until: (n: number) => waitFor(() => hits.length >= n, `${n} posts`),
    close: () => server.shutdown(),
  };
}

/** A receiver that answers no request until the test lets it go (before closing it). */
function hanging() {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const hook = receiver(() => released.then(() => new Response("late")));
  return { ...hook, close: () => (release(), hook.close()) };
}

function notifier(url: string, problems: string[], options: Partial<WebhookOptions> = {}) {
  return new WebhookNotifier({ url, onProblem: (line) => problems.push(line), retryBaseMs: 10, ...options });
}

function assertNoSecret(lines: string[]): void {
  for (const line of lines) {
    for (const piece of SECRET.split("/")) assert.ok(!line.includes(piece), `secret in: ${line}`);
  }
}

/** A clock tests move by hand; its sleeps end when it passes their time, or when they are aborted. */
function fakeClock() {
  let now = 0;
  const sleepers: { at: number; wake: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        sleepers.push({ at: now + ms, wake: resolve });
        signal.addEventListener("abort", () => resolve(), { once: true });
      }),
    advance(ms: number) {
      now += ms;
      for (const s of sleepers.splice(0)) {
        if (s.at <= now) s.wake();
        else sleepers.push(s);
      }
    },
  };
}

// ---- Slack's and Discord's documented payloads ------------------------------------------------------

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function onlyKeys(value: Json, allowed: string[], where: string): void {
  for (const key of Object.keys(value)) assert.ok(allowed.includes(key), `${where}: unknown key ${key}`);
}

function text(value: unknown, max: number, where: string): string {
  assert.equal(typeof value, "string", `${where} is a string`);
  const s = String(value);
  assert.ok(s.length >= 1 && s.length <= max, `${where}: ${s.length} characters, 1 to ${max} allowed`);
  return s;
}

/** A Block Kit text object: `mrkdwn` or `plain_text`, its text at most `max` characters. */
function slackText(value: unknown, max: number, where: string): void {
  assert.ok(isObject(value), `${where} is an object`);
  onlyKeys(value, ["type", "text", "emoji", "verbatim"], where);
  assert.ok(value.type === "mrkdwn" || value.type === "plain_text", `${where}.type`);
  text(value.text, max, `${where}.text`);
}

/**
 * Slack's incoming-webhook payload: a `text` (the notification and fallback) and at most 50 blocks; a
 * section has a text of at most 3000 characters and/or up to 10 fields of at most 2000; a context has
 * 1 to 10 elements.
 */
function checkSlack(payload: unknown): void {
  assert.ok(isObject(payload));
  onlyKeys(payload, ["text", "blocks"], "payload");
  text(payload.text, 40_000, "text");
  assert.ok(Array.isArray(payload.blocks) && payload.blocks.length >= 1 && payload.blocks.length <= 50);
  for (const [i, block] of payload.blocks.entries()) {
    const where = `blocks[${i}]`;
    assert.ok(isObject(block), where);
    if (block.type === "section") {
      onlyKeys(block, ["type", "text", "fields", "block_id"], where);
      assert.ok(block.text !== undefined || block.fields !== undefined, `${where} has text or fields`);
      if (block.text !== undefined) slackText(block.text, 3000, `${where}.text`);
      if (block.fields !== undefined) {
        assert.ok(Array.isArray(block.fields) && block.fields.length >= 1 && block.fields.length <= 10);
        block.fields.forEach((f, j) => slackText(f, 2000, `${where}.fields[${j}]`));
      }
    } else if (block.type === "context") {
      onlyKeys(block, ["type", "elements", "block_id"], where);
      assert.ok(Array.isArray(block.elements) && block.elements.length >= 1 && block.elements.length <= 10);
      block.elements.forEach((e, j) => slackText(e, 3000, `${where}.elements[${j}]`));
    } else {
      assert.fail(`${where}: unexpected block type ${block.type}`);
    }
  }
}

/**
 * Discord's execute-webhook payload: `content` of at most 2000 characters and up to 10 embeds; an embed's
 * title ≤ 256, description ≤ 4096, ≤ 25 fields (name ≤ 256, value ≤ 1024, neither empty), color a 24-bit
 * integer, and at most 6000 characters in all.
 */
function checkDiscord(payload: unknown): void {
  assert.ok(isObject(payload));
  onlyKeys(payload, ["content", "embeds", "allowed_mentions"], "payload");
  text(payload.content, 2000, "content");
  assert.ok(Array.isArray(payload.embeds) && payload.embeds.length <= 10);
  for (const [i, embed] of payload.embeds.entries()) {
    const where = `embeds[${i}]`;
    assert.ok(isObject(embed), where);
    onlyKeys(embed, ["title", "description", "url", "color", "fields", "timestamp", "footer"], where);
    let total = text(embed.title, 256, `${where}.title`).length;
    total += text(embed.description, 4096, `${where}.description`).length;
    assert.ok(Number.isInteger(embed.color) && Number(embed.color) >= 0 && Number(embed.color) <= 0xffffff);
    if (embed.url !== undefined) assert.match(String(embed.url), /^https?:\/\//);
    if (embed.fields !== undefined) {
      assert.ok(Array.isArray(embed.fields) && embed.fields.length <= 25, `${where}.fields`);
      for (const [j, f] of embed.fields.entries()) {
        assert.ok(isObject(f));
        onlyKeys(f, ["name", "value", "inline"], `${where}.fields[${j}]`);
        total += text(f.name, 256, `${where}.fields[${j}].name`).length;
        total += text(f.value, 1024, `${where}.fields[${j}].value`).length;
        if (f.inline !== undefined) assert.equal(typeof f.inline, "boolean");
      }
    }
    assert.ok(total <= 6000, `${where}: ${total} characters in all, 6000 allowed`);
  }
  assert.deepStrictEqual(payload.allowed_mentions, { parse: [] }, "no one is pinged");
}

// ---- levels, formats, URLs --------------------------------------------------------------------------

Deno.test("minLevelOf takes our levels and Trackio's, any case; anything else is a usage error naming both", () => {
  assert.equal(minLevelOf("info", "--min-level"), "info");
  assert.equal(minLevelOf(" WARN ", "TRACKIO_WEBHOOK_MIN_LEVEL"), "warning");
  assert.equal(minLevelOf("Warning", "--min-level"), "warning");
  assert.equal(minLevelOf("error", "TRACKIO_WEBHOOK_MIN_LEVEL"), "critical");
  assert.equal(minLevelOf("CRITICAL", "--min-level"), "critical");
  for (const bad of ["loud", "ok", "constructor", ""]) {
    assert.throws(() => minLevelOf(bad, "TRACKIO_WEBHOOK_MIN_LEVEL"), (e: unknown) => {
      assert.ok(e instanceof TrackioCliError);
      assert.equal(e.code, "usage");
      assert.ok(e.message.startsWith(`TRACKIO_WEBHOOK_MIN_LEVEL: '${bad}' is not a level`), e.message);
      for (const name of ["info", "warning", "critical", "warn", "error"]) {
        assert.ok(e.message.includes(name));
      }
      return true;
    });
  }
});

Deno.test("the format comes from the URL's host and path, or is named", () => {
  const of = (url: string) => formatForUrl(new URL(url));
  assert.equal(of("https://hooks.slack.com/services/T0/B0/x"), "slack");
  assert.equal(of("https://discord.com/api/webhooks/1/x"), "discord");
  assert.equal(of("https://discordapp.com/api/webhooks/1/x"), "discord");
  assert.equal(of("https://canary.discord.com/api/v10/webhooks/1/x"), "discord");
  assert.equal(of("https://discord.com/channels/1/2"), "json");
  assert.equal(of("https://relay.example/?to=hooks.slack.com"), "json");
  assert.equal(of("http://127.0.0.1:9000/hook"), "json");
  assert.equal(webhookFormatOf(" Slack", "--webhook-format"), "slack");
  assert.throws(
    () => webhookFormatOf("teams", "--webhook-format"),
    /--webhook-format: 'teams' is not a webhook format: use slack, discord, json/,
  );
});

Deno.test("redactWebhookUrl keeps scheme, host and the segments that are no secret", () => {
  assert.equal(
    redactWebhookUrl("https://hooks.slack.com/services/T000/B000/XXXX"),
    "https://hooks.slack.com/services/***",
  );
  assert.equal(
    redactWebhookUrl("https://hooks.slack.com/triggers/T0/1/abc"),
    "https://hooks.slack.com/triggers/***",
  );
  assert.equal(redactWebhookUrl("https://hooks.slack.com/T000SECRET"), "https://hooks.slack.com/***");
  assert.equal(
    redactWebhookUrl("https://discord.com/api/webhooks/123/tok"),
    "https://discord.com/api/webhooks/***",
  );
  assert.equal(
    redactWebhookUrl("https://discordapp.com/api/v10/webhooks/123/tok?wait=true"),
    "https://discordapp.com/api/v10/webhooks/***",
  );
  assert.equal(
    redactWebhookUrl("https://user:pw@example.com:8443/hook/abc?token=s#x"),
    "https://example.com:8443/***",
  );
  assert.equal(redactWebhookUrl("http://example.com"), "http://example.com/***");
  assert.equal(redactWebhookUrl(" hooks.slack.com/services/T0/B0/x "), "hooks.slack.com/***");
});

Deno.test("a URL that is not http(s) is a usage error that does not show its secret", () => {
  const cases: [string, string][] = [
    [`ftp://files.example/${SECRET}`, `--webhook: ftp://files.example/*** is not an http or https URL`],
    [`hooks.slack.com/services/${SECRET}`, `--webhook: 'hooks.slack.com/***' is not a URL`],
    ["", `--webhook: '***' is not a URL`],
    // A token given where the URL goes: nothing of it is shown.
    ["xoxb-SECRET-token-123", `--webhook: '***' is not a URL`],
  ];
  for (const [url, message] of cases) {
    assert.throws(() => new WebhookNotifier({ url, origin: "--webhook" }), (e: unknown) => {
      assert.ok(e instanceof TrackioCliError);
      assert.equal(e.code, "usage");
      assert.equal(e.message, message);
      assertNoSecret([e.message, e.hint ?? ""]);
      return true;
    });
  }
});

// ---- payloads -----------------------------------------------------------------------------------------

Deno.test("Slack gets a fallback text and mrkdwn sections: the finding, the facts, the action, the link", async () => {
  const hook = receiver();
  const problems: string[] = [];
  const n = notifier(hook.url, problems, { format: "slack" });
  n.notify(event());
  await n.flush(2000);
  assert.equal(hook.hits[0].contentType, "application/json");
  assert.deepStrictEqual(hook.bodies(), [{
    text: "[CRITICAL] loss.divergence on run-a (project demo): loss rose from 0.9 to 12.5 over 30 steps",
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "*🚨 [CRITICAL] loss.divergence on run-a*\nloss rose from 0.9 to 12.5 over 30 steps",
        },
      },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: "*Project*\ndemo" },
          { type: "mrkdwn", text: "*Run*\nrun-a" },
          { type: "mrkdwn", text: "*Verdict*\ncritical" },
          { type: "mrkdwn", text: "*Step*\n120" },
          { type: "mrkdwn", text: "*Evidence steps*\n90, 105, 120" },
        ],
      },
      {
        type: "section",
        text: { type: "mrkdwn", text: "*Recommended action*\nLower the learning rate (2e-4 → 1e-4)." },
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: "<https://huggingface.co/spaces/me/trackio|Open in Trackio>" }],
      },
    ],
  }]);
  checkSlack(hook.hits[0].body);
  assert.deepStrictEqual(problems, []);
  assert.equal(n.sent, 1);
  await hook.close();
});

Deno.test("Slack: text from runs is escaped; no link, action or step when the event has none", async () => {
  const hook = receiver();
  const n = notifier(hook.url, [], { format: "slack", minLevel: "info" });
  n.notify(event({
    kind: "run_finished",
    severity: "info",
    verdict: "ok",
    run: "<!channel> & co",
    rule: null,
    step: null,
    message: "finished: 1 < 2 > 0",
    evidence_steps: [],
    actions: [],
    url: null,
  }));
  await n.flush(2000);
  assert.deepStrictEqual(hook.bodies(), [{
    text: "[INFO] &lt;!channel&gt; &amp; co finished (project demo): finished: 1 &lt; 2 &gt; 0",
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "*ℹ️ [INFO] &lt;!channel&gt; &amp; co finished*\nfinished: 1 &lt; 2 &gt; 0",
        },
      },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: "*Project*\ndemo" },
          { type: "mrkdwn", text: "*Run*\n&lt;!channel&gt; &amp; co" },
          { type: "mrkdwn", text: "*Verdict*\nok" },
        ],
      },
    ],
  }]);
  checkSlack(hook.hits[0].body);
  await hook.close();
});

Deno.test("Discord gets content and one embed with colour, fields and link, and pings no one", async () => {
  const hook = receiver();
  const n = notifier(hook.url, [], { format: "discord" });
  n.notify(event());
  await n.flush(2000);
  assert.deepStrictEqual(hook.bodies(), [{
    content: "[CRITICAL] loss.divergence on run-a (project demo): loss rose from 0.9 to 12.5 over 30 steps",
    embeds: [{
      title: "🚨 [CRITICAL] loss.divergence on run-a",
      description: "loss rose from 0.9 to 12.5 over 30 steps",
      color: 0xe74c3c,
      fields: [
        { name: "Project", value: "demo", inline: true },
        { name: "Run", value: "run-a", inline: true },
        { name: "Verdict", value: "critical", inline: true },
        { name: "Step", value: "120", inline: true },
        { name: "Evidence steps", value: "90, 105, 120", inline: true },
        { name: "Recommended action", value: "Lower the learning rate (2e-4 → 1e-4).", inline: false },
      ],
      url: "https://huggingface.co/spaces/me/trackio",
    }],
    allowed_mentions: { parse: [] },
  }]);
  checkDiscord(hook.hits[0].body);
  await hook.close();
});

Deno.test("huge events are cut to Slack's and Discord's limits, never past them", async () => {
  const huge = event({
    project: "p".repeat(3000),
    run: `${"r".repeat(2999)}😀`,
    message: "m&<".repeat(5000),
    evidence_steps: Array.from({ length: 5000 }, (_, i) => i),
    actions: ["a".repeat(9000)],
    url: `https://huggingface.co/spaces/${"x".repeat(5000)}`,
  });
  for (const format of ["slack", "discord"] as const) {
    const hook = receiver();
    const problems: string[] = [];
    const n = notifier(hook.url, problems, { format });
    n.notify(huge);
    await n.flush(2000);
    assert.deepStrictEqual(problems, []);
    const body = hook.hits[0].body;
    if (format === "slack") checkSlack(body);
    else checkDiscord(body);
    // Cuts are marked, and a cut never leaves half of an escaped character or of a surrogate pair.
    const all = JSON.stringify(body);
    assert.ok(all.includes("…"), format);
    assert.ok(!/&[a-z]{0,3}…/.test(all), format);
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(JSON.parse(all).text ?? JSON.parse(all).content));
    await hook.close();
  }
});

Deno.test("a cut is marked and never splits a surrogate pair or an escaped character", () => {
  assert.equal(clip("abcdef", 6), "abcdef");
  assert.equal(clip("abcdef", 4), "abc…");
  assert.equal(clip("a😀bc", 3), "a…");
  assert.equal(clip("ab😀c", 4), "ab…");
  assert.equal(clip("ab😀cd", 5), "ab😀…");
  assert.equal(clipMrkdwn("a<b", 5), "a…");
  assert.equal(clipMrkdwn("ab & c", 6), "ab …");
});

Deno.test("Discord's 6000 characters in all hold however many long fields an embed has", () => {
  const message = eventMessage(event({ message: "m".repeat(5000) }));
  message.facts.push(
    ...Array.from({ length: 12 }, (_, i) => ({ name: `Fact ${i}`, value: "v".repeat(400) })),
  );
  const payload = discordEvent(message);
  checkDiscord(payload);
  assert.ok(payload.embeds[0].description.endsWith("…"));
});

Deno.test("json posts the event itself, as watch --json prints it", async () => {
  const hook = receiver();
  const n = notifier(hook.url, []);
  assert.equal(n.format, "json");
  n.notify(event());
  await n.flush(2000);
  assert.deepStrictEqual(hook.bodies(), [event()]);
  await hook.close();
});

// ---- what is sent -------------------------------------------------------------------------------------

Deno.test("events below the level are not sent: warning by default, or as given", async () => {
  const hook = receiver();
  const byDefault = notifier(hook.url, []);
  byDefault.notify(event({ kind: "run_started", severity: "info", rule: null }));
  byDefault.notify(event({ severity: "warning", rule: "loss.plateau" }));
  await byDefault.flush(2000);
  const critical = notifier(hook.url, [], { minLevel: "critical" });
  critical.notify(event({ severity: "warning", rule: "loss.plateau" }));
  critical.notify(event({ rule: "loss.divergence" }));
  await critical.flush(2000);
  assert.deepStrictEqual(hook.bodies().map((b) => isObject(b) && b.rule), [
    "loss.plateau",
    "loss.divergence",
  ]);
  assert.deepStrictEqual([byDefault.sent, byDefault.dropped, critical.sent], [1, 0, 1]);
  await hook.close();
});

Deno.test("the same thing is told once: repeats dropped, a change of state or an escalation told again", async () => {
  const hook = receiver();
  const n = notifier(hook.url, [], { minLevel: "info", perWindow: 100 });
  const opened = (severity: "warning" | "critical", run = "run-a") => event({ severity, run });
  const cleared = event({ kind: "finding_cleared", severity: "info" });
  const stalled = event({ kind: "run_stalled", severity: "warning", rule: null });
  const resumed = event({ kind: "run_resumed", severity: "info", rule: null });
  const sequence = [
    [opened("warning"), true],
    [opened("warning"), false],
    [opened("critical"), true],
    [opened("warning"), false],
    [cleared, true],
    [cleared, false],
    [opened("warning"), true],
    [opened("warning", "run-b"), true],
    [stalled, true],
    [stalled, false],
    [resumed, true],
    [stalled, true],
    // Another run under the same name (another id) is told; a run that starts again begins afresh.
    [event({ severity: "warning", run_id: "id-again" }), true],
    [event({ kind: "run_started", severity: "info", rule: null }), true],
    [opened("warning"), true],
  ] as const;
  for (const [e] of sequence) n.notify(e);
  await n.flush(2000);
  assert.deepStrictEqual(hook.bodies(), sequence.filter(([, told]) => told).map(([e]) => e));
  assert.deepStrictEqual([n.sent, n.dropped], [11, 4]);
  await hook.close();
});

Deno.test("a clear below the level still lets the finding be told when it opens again", async () => {
  const hook = receiver();
  const n = notifier(hook.url, []);
  n.notify(event());
  n.notify(event({ kind: "finding_cleared", severity: "info" }));
  n.notify(event());
  await n.flush(2000);
  assert.deepStrictEqual(hook.bodies(), [event(), event()]);
  assert.deepStrictEqual([n.sent, n.dropped], [2, 0]);
  await hook.close();
});

// ---- bursts ---------------------------------------------------------------------------------------------

/** Two sent as they come, then a run's end before three findings: the summary counts the most common first. */
const burst = [
  event({ rule: "loss.divergence", run: "run-a" }),
  event({ rule: "grad.explosion", run: "run-a" }),
  event({
    kind: "run_finished",
    rule: null,
    run: "run-c",
    severity: "info",
    message: "finished at step 900",
  }),
  event({ rule: "grad.explosion", run: "run-b", severity: "warning" }),
  event({ rule: "loss.divergence", run: "run-b" }),
  event({ rule: "loss.divergence", run: "run-d" }),
];

Deno.test("a burst: N messages a window, the rest held and sent as one summary when the window has room", async () => {
  const hook = receiver();
  const clock = fakeClock();
  const n = notifier(hook.url, [], { minLevel: "info", perWindow: 2, windowMs: 60_000, ...clock });
  const started = performance.now();
  for (const e of burst) n.notify(e);
  assert.ok(performance.now() - started < 50, "notify does not wait");
  await hook.until(2);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepStrictEqual(hook.bodies(), burst.slice(0, 2), "the rest is held");
  clock.advance(59_999);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(hook.hits.length, 2, "still held a millisecond before the window has room");
  clock.advance(1);
  await hook.until(3);
  assert.deepStrictEqual(hook.hits[2].body, { events: burst.slice(2) });
  // The summary was one message: the window has room for one more, sent as itself.
  const late = event({ rule: "loss.nan", run: "run-e" });
  n.notify(late);
  await hook.until(4);
  assert.deepStrictEqual(hook.hits[3].body, late);
  await n.flush(1000);
  assert.deepStrictEqual([n.sent, n.dropped, n.failed], [7, 0, 0]);
  await hook.close();
});

Deno.test("the summary in Slack and Discord counts events by kind and rule and lists them", async () => {
  const line = "4 more events: 3 finding_opened (loss.divergence ×2, grad.explosion ×1), 1 run_finished";
  const items = [
    "• [INFO] run-c finished (project demo): finished at step 900",
    "• [WARNING] grad.explosion on run-b (project demo): loss rose from 0.9 to 12.5 over 30 steps",
    "• [CRITICAL] loss.divergence on run-b (project demo): loss rose from 0.9 to 12.5 over 30 steps",
    "• [CRITICAL] loss.divergence on run-d (project demo): loss rose from 0.9 to 12.5 over 30 steps",
  ].join("\n");
  const expected = {
    slack: {
      text: line,
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: `*🚨 ${line}*` } },
        { type: "section", text: { type: "mrkdwn", text: items } },
      ],
    },
    discord: {
      content: line,
      embeds: [{ title: `🚨 ${line}`, description: items, color: 0xe74c3c }],
      allowed_mentions: { parse: [] },
    },
  };
  for (const format of ["slack", "discord"] as const) {
    const hook = receiver();
    const clock = fakeClock();
    const n = notifier(hook.url, [], { format, minLevel: "info", perWindow: 2, ...clock });
    for (const e of burst) n.notify(e);
    await hook.until(2);
    clock.advance(60_000);
    await hook.until(3);
    assert.deepStrictEqual(hook.hits[2].body, expected[format]);
    if (format === "slack") checkSlack(hook.hits[2].body);
    else checkDiscord(hook.hits[2].body);
    await n.flush(1000);
    await hook.close();
  }
});

Deno.test("a long summary lists what fits and says how many more", async () => {
  const hook = receiver();
  const clock = fakeClock();
  const n = notifier(hook.url, [], { format: "slack", perWindow: 1, ...clock });
  const many = Array.from({ length: 200 }, (_, i) => event({ run: `run-${i}`, message: "x".repeat(100) }));
  for (const e of many) n.notify(e);
  await hook.until(1);
  await n.flush(2000);
  const summary = hook.hits[1].body;
  checkSlack(summary);
  assert.ok(isObject(summary) && Array.isArray(summary.blocks));
  assert.equal(summary.text, "199 more events: 199 finding_opened (loss.divergence ×199)");
  const list = String(summary.blocks[1].text.text);
  assert.match(list, /\n… and \d+ more$/);
  const listed = list.split("\n").length - 1;
  assert.equal(Number(/and (\d+) more$/.exec(list)?.[1]) + listed, 199, "every event listed or counted");
  await hook.close();
});

Deno.test("flush sends what is held at once, as one summary, without waiting for the window", async () => {
  const hook = receiver();
  const clock = fakeClock();
  const n = notifier(hook.url, [], { minLevel: "info", perWindow: 1, ...clock });
  for (const e of burst.slice(0, 3)) n.notify(e);
  await hook.until(1);
  const started = performance.now();
  await n.flush(2000);
  assert.ok(performance.now() - started < 1000);
  assert.deepStrictEqual(hook.bodies(), [burst[0], { events: burst.slice(1, 3) }]);
  assert.equal(n.sent, 3);
  await hook.close();
});

// ---- failing receivers ------------------------------------------------------------------------------

Deno.test("HTTP 500 then 200: retried after a backoff, delivered once, the failure told in one line", async () => {
  const hook = receiver((n) => n === 1 ? new Response("boom", { status: 500 }) : new Response("ok"));
  const problems: string[] = [];
  const n = notifier(hook.url, problems);
  n.notify(event());
  await n.flush(3000);
  assert.deepStrictEqual(problems, [
    `webhook ${hook.shown}: HTTP 500 (boom), retrying in 0.01 s (attempt 2 of 4)`,
  ]);
  assert.deepStrictEqual(hook.bodies(), [event(), event()], "the same message twice, one delivery");
  assert.deepStrictEqual([n.sent, n.failed], [1, 0]);
  await hook.close();
});

Deno.test("always 500: gives up after maxAttempts with growing waits, and the watcher never waits", async () => {
  const hook = receiver(() => new Response("", { status: 503 }));
  const problems: string[] = [];
  const n = notifier(hook.url, problems, { maxAttempts: 3 });
  const started = performance.now();
  n.notify(event());
  n.notify(event({ rule: "grad.explosion" }));
  assert.ok(performance.now() - started < 50, "notify returns at once");
  await n.flush(3000);
  assert.deepStrictEqual(problems, [
    `webhook ${hook.shown}: HTTP 503, retrying in 0.01 s (attempt 2 of 3)`,
    `webhook ${hook.shown}: HTTP 503, retrying in 0.02 s (attempt 3 of 3)`,
    `webhook ${hook.shown}: HTTP 503, giving up after 3 attempts (1 event not delivered)`,
    `webhook ${hook.shown}: HTTP 503, retrying in 0.01 s (attempt 2 of 3)`,
    `webhook ${hook.shown}: HTTP 503, retrying in 0.02 s (attempt 3 of 3)`,
    `webhook ${hook.shown}: HTTP 503, giving up after 3 attempts (1 event not delivered)`,
  ]);
  assert.equal(hook.hits.length, 6);
  assert.deepStrictEqual([n.sent, n.failed], [0, 2]);
  await hook.close();
});

Deno.test("4xx other than 429 is not retried", async () => {
  const hook = receiver(() => new Response("no_service", { status: 404 }));
  const problems: string[] = [];
  const n = notifier(hook.url, problems);
  n.notify(event());
  await n.flush(2000);
  assert.deepStrictEqual(problems, [
    `webhook ${hook.shown}: HTTP 404 (no_service), not retried (1 event not delivered)`,
  ]);
  assert.equal(hook.hits.length, 1);
  assert.equal(n.failed, 1);
  await hook.close();
});

Deno.test("429 waits what Retry-After says, up to a cap", async () => {
  for (const [header, cap, wait] of [["0.06", 5000, 60], ["1", 120, 120]] as const) {
    const hook = receiver((n) =>
      n === 1 ? new Response(null, { status: 429, headers: { "retry-after": header } }) : new Response("ok")
    );
    const problems: string[] = [];
    const n = notifier(hook.url, problems, { maxRetryAfterMs: cap });
    n.notify(event());
    await n.flush(3000);
    assert.deepStrictEqual(problems, [
      `webhook ${hook.shown}: HTTP 429, retrying in ${wait / 1000} s (attempt 2 of 4)`,
    ]);
    const gap = hook.hits[1].at - hook.hits[0].at;
    assert.ok(gap >= wait - 5 && gap < wait + 500, `waited ${gap} ms, not the 10 ms backoff`);
    assert.equal(n.sent, 1);
    await hook.close();
  }
});

Deno.test("a receiver that never answers: each attempt ends at the timeout, then it gives up", async () => {
  const hook = hanging();
  const problems: string[] = [];
  const n = notifier(hook.url, problems, { timeoutMs: 60, maxAttempts: 2 });
  n.notify(event());
  await n.flush(3000);
  assert.deepStrictEqual(problems, [
    `webhook ${hook.shown}: no answer within 0.06 s, retrying in 0.01 s (attempt 2 of 2)`,
    `webhook ${hook.shown}: no answer within 0.06 s, giving up after 2 attempts (1 event not delivered)`,
  ]);
  assert.equal(hook.hits.length, 2);
  await hook.close();
});

Deno.test("connection refused is retried and told, without the URL's secret", async () => {
  const closed = receiver();
  await closed.close();
  const problems: string[] = [];
  const n = notifier(closed.url, problems, { maxAttempts: 2 });
  n.notify(event());
  await n.flush(3000);
  assert.deepStrictEqual(problems, [
    `webhook ${closed.shown}: connection refused, retrying in 0.01 s (attempt 2 of 2)`,
    `webhook ${closed.shown}: connection refused, giving up after 2 attempts (1 event not delivered)`,
  ]);
  assert.equal(n.failed, 1);
});

Deno.test("flush gives up on what is still on its way after its timeout, and says so", async () => {
  const hook = hanging();
  const problems: string[] = [];
  const n = notifier(hook.url, problems, { timeoutMs: 10_000 });
  n.notify(event());
  n.notify(event({ rule: "grad.explosion" }));
  await hook.until(1);
  const started = performance.now();
  await n.flush(100);
  const took = performance.now() - started;
  assert.ok(took >= 95 && took < 1000, `flush took ${took} ms`);
  assert.deepStrictEqual(problems, [
    `webhook ${hook.shown}: 2 events not delivered within 0.1 s at shutdown`,
  ]);
  assert.deepStrictEqual([n.sent, n.failed], [0, 2]);
  await hook.close();
});

Deno.test("fetch errors that name the URL, as given or decoded, are told without its secret", async () => {
  const url = `https://hooks.slack.com/services/${SECRET.replace("xoxS", "xox%53")}`;
  const problems: string[] = [];
  const failing: typeof fetch = (input) =>
    Promise.reject(
      new TypeError(
        `error sending request for url (${input}): proxy failed on ${decodeURIComponent(String(input))}` +
          ` (token ${decodeURIComponent(String(input).split("/").at(-1) ?? "")})`,
      ),
    );
  const n = notifier(url, problems, { maxAttempts: 1, fetch: failing });
  assert.equal(n.shown, "https://hooks.slack.com/services/***");
  n.notify(event());
  await n.flush(1000);
  assert.equal(problems.length, 1);
  assert.ok(
    problems[0].startsWith(
      "webhook https://hooks.slack.com/services/***: network error: error sending request for url " +
        "(https://hooks.slack.com/services/***): proxy failed on https://hooks.slack.com/services/*** (token ***), giving up",
    ),
    problems[0],
  );
  assertNoSecret(problems);
});

Deno.test("no line any failing receiver caused shows the URL's secret", async () => {
  const lines: string[] = [];
  const cases: [(n: number) => Response, Partial<WebhookOptions>][] = [
    [() => new Response(`bad token ${SECRET}`, { status: 403 }), {}],
    [() => new Response(`/hooks/${SECRET} overloaded`, { status: 500 }), { maxAttempts: 2 }],
  ];
  for (const [answer, options] of cases) {
    const hook = receiver(answer);
    const n = notifier(hook.url, lines, options);
    n.notify(event());
    await n.flush(2000);
    await hook.close();
  }
  assert.equal(lines.length, 3);
  assert.ok(lines.every((l) => l.includes("***")), lines.join("\n"));
  assertNoSecret(lines);
});
