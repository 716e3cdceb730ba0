/**
 * `watch`'s webhook: each event at or above a level, told once, posted to Slack, Discord or any URL as
 * JSON, in the background. Bursts are held to a few messages a minute, the rest summed up in one.
 */
import { usageError } from "../errors.ts";
import { sleep as realSleep } from "../util/sleep.ts";
import type { WatchEvent } from "../watch/event.ts";
import { Dedup } from "./dedup.ts";
import { deliver, type DeliveryOptions } from "./delivery.ts";
import { atLeast, type Level } from "./levels.ts";
import { eventBody, summaryBody } from "./payloads.ts";
import { seconds } from "./text.ts";
import { checkWebhookUrl, formatForUrl, redactIn, redactWebhookUrl, type WebhookFormat } from "./url.ts";
import { SlidingWindow } from "./window.ts";

export type { WebhookFormat } from "./url.ts";
export { checkWebhookUrl, formatForUrl, redactWebhookUrl, webhookFormatOf } from "./url.ts";
export { minLevelOf } from "./levels.ts";

export interface WebhookOptions {
  url: string;
  /** Forced; by default from the URL (`formatForUrl`). */
  format?: WebhookFormat;
  minLevel?: Level;
  /** Where each delivery failure is told, in one line that never shows the URL's secret. */
  onProblem?: (line: string) => void;
  timeoutMs?: number;
  maxAttempts?: number;
  perWindow?: number;
  windowMs?: number;
  /** The first retry's wait; each next one doubles (up to 30 s). */
  retryBaseMs?: number;
  /** The longest wait a `Retry-After` gets. */
  maxRetryAfterMs?: number;
  /** Events waiting at most; past that, new ones are dropped (and told once). */
  maxPending?: number;
  /** The clock of the rate limit and its wait (and of retries): tests pass a fake one. */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  fetch?: typeof fetch;
  /** Where the URL came from, for its usage error: `--webhook`, `TRACKIO_WEBHOOK_URL`. */
  origin?: string;
}

/**
 * Slack and Discord take about a message a second from a webhook; 5 a minute keeps a channel readable
 * when many runs go wrong at once. Four attempts over 14 s of backoff (2, 4, 8 s) ride out a restart.
 */
export const WEBHOOK_DEFAULTS = {
  minLevel: "warning",
  timeoutMs: 10_000,
  maxAttempts: 4,
  perWindow: 5,
  windowMs: 60_000,
  retryBaseMs: 2_000,
  maxRetryAfterMs: 60_000,
  maxPending: 1_000,
} as const;

function positive(name: string, value: number, integer: boolean): number {
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw usageError(
      `webhook: ${name} must be a positive ${integer ? "whole number" : "number"}, not ${value}`,
    );
  }
  return value;
}

/**
 * Events go out one message at a time, in the order they came. While the window has room each event is
 * its own message; events that had to wait for room go out together as one summary when it has room
 * again (one event alone still goes as itself). `sent` counts events delivered (a summary counts each of
 * its events), `dropped` repeats (see `Dedup`) and events past `maxPending`, `failed` events whose
 * delivery was refused, ran out of attempts or was cut short by `flush`. Events below the level are
 * none of these.
 */
export class WebhookNotifier {
  readonly format: WebhookFormat;
  /** The URL as logs show it. */
  readonly shown: string;
  readonly #url: string;
  readonly #minLevel: Level;
  readonly #onProblem: (line: string) => void;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #window: SlidingWindow;
  readonly #maxPending: number;
  readonly #delivery: Omit<DeliveryOptions, "signal">;
  readonly #dedup = new Dedup();
  #pending: WatchEvent[] = [];
  #sent = 0;
  #dropped = 0;
  #failed = 0;
  /** Events of a delivery `flush` aborted: lost, counted by it. */
  #abandoned = 0;
  #overflowTold = false;
  #running = false;
  #closed = false;
  #worker: Promise<void> = Promise.resolve();
  /** While set, held events go out at once: `flush` does not wait for the window. */
  #draining = false;
  #wake = new AbortController();
  #stop = new AbortController();

  constructor(options: WebhookOptions) {
    this.#url = checkWebhookUrl(options.url, options.origin ?? "webhook URL").href;
    this.format = options.format ?? formatForUrl(new URL(this.#url));
    this.shown = redactWebhookUrl(this.#url);
    this.#minLevel = options.minLevel ?? WEBHOOK_DEFAULTS.minLevel;
    this.#onProblem = options.onProblem ?? ((line) => console.error(line));
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    const d = WEBHOOK_DEFAULTS;
    this.#window = new SlidingWindow(
      positive("perWindow", options.perWindow ?? d.perWindow, true),
      positive("windowMs", options.windowMs ?? d.windowMs, false),
    );
    this.#maxPending = positive("maxPending", options.maxPending ?? d.maxPending, true);
    this.#delivery = {
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      url: this.#url,
      shown: this.shown,
      timeoutMs: positive("timeoutMs", options.timeoutMs ?? d.timeoutMs, false),
      maxAttempts: positive("maxAttempts", options.maxAttempts ?? d.maxAttempts, true),
      retryBaseMs: options.retryBaseMs ?? d.retryBaseMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? d.maxRetryAfterMs,
      sleep: this.#sleep,
      onProblem: (line) => this.#tell(line),
    };
  }

  get sent(): number {
    return this.#sent;
  }
  get dropped(): number {
    return this.#dropped;
  }
  get failed(): number {
    return this.#failed;
  }

  /** Queues `event` for delivery; never throws, never waits. */
  notify(event: WatchEvent): void {
    try {
      if (this.#closed) return;
      const fresh = this.#dedup.admit(event);
      if (!atLeast(event.severity, this.#minLevel)) return;
      if (!fresh) {
        this.#dropped++;
        return;
      }
      if (this.#pending.length >= this.#maxPending) {
        this.#dropped++;
        if (!this.#overflowTold) {
          this.#overflowTold = true;
          this.#tell(
            `webhook ${this.shown}: ${this.#maxPending} events waiting; dropping new ones until they go`,
          );
        }
        return;
      }
      this.#overflowTold = false;
      this.#pending.push(event);
      this.#kick();
    } catch (error) {
      this.#fault(error);
    }
  }

  /**
   * Delivers everything waiting, held events at once (as one summary when the window has no room for
   * them all), and waits at most `timeoutMs`: then what is still on its way is abandoned and told as
   * lost. The notifier goes on taking events afterwards.
   */
  async flush(timeoutMs: number): Promise<void> {
    this.#draining = true;
    this.#wake.abort();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    const idle = this.#idle();
    try {
      if (await Promise.race([idle, expired])) {
        this.#stop.abort();
        await idle;
        const lost = this.#abandoned + this.#pending.length;
        this.#failed += lost;
        this.#abandoned = 0;
        this.#pending = [];
        this.#stop = new AbortController();
        if (lost > 0) {
          const noun = lost === 1 ? "event" : "events";
          this.#tell(
            `webhook ${this.shown}: ${lost} ${noun} not delivered within ${seconds(timeoutMs)} at shutdown`,
          );
        }
      }
    } finally {
      clearTimeout(timer);
      this.#draining = false;
    }
  }

  /** `flush`, then no more events are taken. */
  async close(timeoutMs: number): Promise<void> {
    await this.flush(timeoutMs);
    this.#closed = true;
  }

  async #idle(): Promise<false> {
    while (this.#running) await this.#worker;
    return false;
  }

  #kick(): void {
    if (this.#running) return;
    // Set before the worker's first await, cleared in its `finally`: no event can slip in between.
    this.#running = true;
    this.#worker = this.#work();
  }

  async #work(): Promise<void> {
    try {
      let held = false;
      while (this.#pending.length > 0 && !this.#stop.signal.aborted) {
        const wait = this.#draining ? 0 : this.#window.wait(this.#now());
        if (wait > 0) {
          held = true;
          this.#wake = new AbortController();
          await this.#sleep(wait, AbortSignal.any([this.#wake.signal, this.#stop.signal]));
          continue;
        }
        const crowded = this.#draining && this.#pending.length > this.#window.room(this.#now());
        const together = this.#pending.length > 1 && (held || crowded);
        held = false;
        const events = this.#pending.splice(0, together ? this.#pending.length : 1);
        this.#window.record(this.#now());
        const body = events.length === 1
          ? eventBody(this.format, events[0])
          : summaryBody(this.format, events);
        const outcome = await deliver(body, events.length, { ...this.#delivery, signal: this.#stop.signal });
        if (outcome === "delivered") this.#sent += events.length;
        else if (outcome === "failed") this.#failed += events.length;
        else this.#abandoned += events.length;
      }
    } catch (error) {
      this.#fault(error);
    } finally {
      this.#running = false;
    }
  }

  #tell(line: string): void {
    try {
      this.#onProblem(line);
    } catch {
      // A failing listener must not stop deliveries; it has nowhere else to be told.
    }
  }

  #fault(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#tell(`webhook ${this.shown}: ${redactIn(message, this.#url)}`);
  }
}
