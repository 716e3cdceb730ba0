/**
 * Whether to ask a Trackio server for gzip or for no compression.
 *
 * Trackio's gzip (level 6) of a page of rows takes its server longer than the SQL and the JSON of it,
 * and the server answers one request at a time, so a long read from a server on the same machine is
 * bound by the compressing, while the five times larger plain answer crosses loopback in
 * milliseconds. Over a real link the bytes cost more than the server's time. A loopback address alone
 * does not mean the same machine: an SSH tunnel (`ssh -L`) is loopback too, and its bytes cross a
 * network. So plain answers are asked for only from a loopback host that has answered a small request
 * as quickly as only the same machine does; until then, and from any other host, gzip.
 */
export type Coding = "gzip" | "identity";

/** `TRACKIO_CLI_COMPRESSION`: the choice above, or one coding always. */
export type CompressionPolicy = "auto" | "gzip" | "none";
export const COMPRESSION_POLICIES: readonly CompressionPolicy[] = ["auto", "gzip", "none"];

/**
 * A round trip at most this long (a small answer, from request to last byte) comes from the same
 * machine: loopback answers in about a millisecond, while a tunnel adds the network's round trip
 * (half a millisecond across a rack, tens over the internet) and the tunnel's own work.
 */
export const SAME_MACHINE_MS = 5;

/** Answers longer than this say more about the server's work than about the round trip. */
export const SMALL_ANSWER_BYTES = 16 * 1024;

export class CodingChoice {
  /** The quickest round trip of a small answer so far; not the first, which sets up the runtime's client. */
  private fastestMs = Infinity;
  private answers = 0;

  constructor(private readonly policy: CompressionPolicy, private readonly loopback: boolean) {}

  /** The coding to ask for next. */
  next(): Coding {
    if (this.policy !== "auto") return this.policy === "none" ? "identity" : "gzip";
    return this.loopback && this.fastestMs <= SAME_MACHINE_MS ? "identity" : "gzip";
  }

  /** One answer of `bytes` (decoded), `ms` from the request to its last byte. */
  record(bytes: number, ms: number): void {
    if (this.answers++ > 0 && bytes <= SMALL_ANSWER_BYTES) this.fastestMs = Math.min(this.fastestMs, ms);
  }
}
