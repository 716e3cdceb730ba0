import { asCliError } from "../errors.ts";
import { reportNotice } from "./output.ts";

/** The longest wait between tries while a server is unreachable. */
export const MAX_RETRY_SECONDS = 60;

/**
 * Keeps a live command (`--follow`, `--watch`) going through a Trackio server that sleeps or restarts:
 * a poll that fails because the server is unreachable says so once, and the command waits longer
 * between tries (up to a minute) until the server answers again. Other errors end the command.
 */
export class LivePoll {
  private failing = false;
  private wait: number;

  constructor(private readonly interval: number) {
    this.wait = interval;
  }

  /** Seconds to wait before the next poll. */
  get nextWaitSeconds(): number {
    return this.wait;
  }

  /** Runs one poll; undefined when the server could not be reached this time. */
  async poll<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await read();
      if (this.failing) reportNotice("the server answers again");
      this.failing = false;
      this.wait = this.interval;
      return value;
    } catch (error) {
      const e = asCliError(error);
      if (e.code !== "remote") throw error;
      if (!this.failing) reportNotice(`${e.message}; still trying`);
      this.failing = true;
      this.wait = Math.min(MAX_RETRY_SECONDS, Math.max(this.interval, this.wait * 2));
      return undefined;
    }
  }
}
