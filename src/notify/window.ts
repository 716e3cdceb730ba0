/**
 * At most `limit` messages in any `ms`-long stretch of time: a sliding window over the times messages
 * went out (a retry is the same message, not another one).
 */
export class SlidingWindow {
  #sent: number[] = [];

  constructor(readonly limit: number, readonly ms: number) {}

  #prune(now: number): void {
    while (this.#sent.length > 0 && this.#sent[0] <= now - this.ms) this.#sent.shift();
  }

  /** How many messages may go out now. */
  room(now: number): number {
    this.#prune(now);
    return Math.max(0, this.limit - this.#sent.length);
  }

  /** How long until one may go out: 0 when one may now. */
  wait(now: number): number {
    if (this.room(now) > 0) return 0;
    return this.#sent[this.#sent.length - this.limit] + this.ms - now;
  }

  record(now: number): void {
    this.#sent.push(now);
  }
}
