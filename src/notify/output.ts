/**
 * A command's output kept to a bounded size however much it prints: its beginning and its end (where an
 * error usually is), with how much was cut between them. Both of its streams go into one, in the order
 * their chunks came.
 */
export class BoundedOutput {
  readonly #half: number;
  readonly #head: Uint8Array;
  #headLength = 0;
  #tail: Uint8Array[] = [];
  #tailLength = 0;
  #total = 0;

  constructor(maxBytes: number) {
    this.#half = Math.max(1, Math.floor(maxBytes / 2));
    this.#head = new Uint8Array(this.#half);
  }

  add(chunk: Uint8Array): void {
    this.#total += chunk.length;
    const intoHead = Math.min(this.#half - this.#headLength, chunk.length);
    this.#head.set(chunk.subarray(0, intoHead), this.#headLength);
    this.#headLength += intoHead;
    if (intoHead === chunk.length) return;
    this.#tail.push(chunk.slice(intoHead));
    this.#tailLength += chunk.length - intoHead;
    // Whole chunks the kept end no longer needs go; the kept end is cut to size when read.
    while (this.#tail.length > 1 && this.#tailLength - this.#tail[0].length >= this.#half) {
      this.#tailLength -= this.#tail[0].length;
      this.#tail.shift();
    }
  }

  /** Reads `reader` to its end (or until it is cancelled) into this output. */
  async drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.add(value);
      }
    } catch {
      // Cancelled: what came so far is the output.
    }
  }

  text(): string {
    const tail = new Uint8Array(this.#tailLength);
    this.#tail.reduce((at, chunk) => (tail.set(chunk, at), at + chunk.length), 0);
    const kept = tail.subarray(Math.max(0, tail.length - this.#half));
    const cut = this.#total - this.#headLength - kept.length;
    const decoder = new TextDecoder();
    const head = decoder.decode(this.#head.subarray(0, this.#headLength));
    return cut > 0 ? `${head}\n… (${cut} bytes cut) …\n${decoder.decode(kept)}` : head + decoder.decode(kept);
  }
}
