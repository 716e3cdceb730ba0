import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ErrorCode, type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";

/** A client that sends a line longer than this is broken or hostile; the line is answered and dropped. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

/**
 * MCP over stdin/stdout, one JSON-RPC message per line. Unlike the SDK's stdio transport it answers
 * a malformed line with a JSON-RPC error instead of dropping it silently, and when stdin ends it
 * answers the requests still in flight and then closes, so the server exits when its client is done.
 */
export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  #closed = false;
  #inputEnded = false;
  /** Requests received and not yet answered. */
  #inFlight = new Set<string | number>();
  #encoder = new TextEncoder();

  constructor(
    private readonly input: ReadableStream<Uint8Array> = Deno.stdin.readable,
    private readonly output: { writeSync(p: Uint8Array): number } = Deno.stdout,
  ) {}

  start(): Promise<void> {
    this.#read().catch((error) => this.onerror?.(error)).finally(() => {
      this.#inputEnded = true;
      if (this.#inFlight.size === 0) this.close();
    });
    return Promise.resolve();
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    let overflow = false;
    for await (const chunk of this.input) {
      if (this.#closed) return;
      pending += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf("\n")) !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (overflow) overflow = false;
        else this.#receive(line);
      }
      if (!overflow && pending.length > MAX_LINE_BYTES) {
        this.#reply(null, ErrorCode.InvalidRequest, `message over ${MAX_LINE_BYTES} bytes`);
        overflow = true;
      }
      if (overflow) pending = "";
    }
    if (!overflow && pending.trim()) this.#receive(pending);
  }

  #receive(line: string): void {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return this.#reply(null, ErrorCode.ParseError, "Parse error: not valid JSON");
    }
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (!parsed.success) {
      const id = (json as { id?: unknown })?.id;
      const validId = typeof id === "string" || typeof id === "number" ? id : null;
      return this.#reply(validId, ErrorCode.InvalidRequest, "Invalid Request: not a JSON-RPC 2.0 message");
    }
    const message = parsed.data;
    if ("method" in message && "id" in message) this.#inFlight.add(message.id);
    this.onmessage?.(message);
  }

  /** JSON-RPC's answer to what cannot be dispatched; `id` is null when the request's is unknown. */
  #reply(id: string | number | null, code: number, message: string): void {
    this.#write({ jsonrpc: "2.0", id, error: { code, message } });
  }

  #write(message: unknown): void {
    if (this.#closed) return;
    let bytes = this.#encoder.encode(`${JSON.stringify(message)}\n`);
    try {
      while (bytes.length > 0) bytes = bytes.subarray(this.output.writeSync(bytes));
    } catch (error) {
      // The client closed its end: there is no one left to answer.
      if (error instanceof Deno.errors.BrokenPipe) this.close();
      else throw error;
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    this.#write(message);
    if (!("method" in message) && "id" in message && message.id !== undefined) {
      this.#inFlight.delete(message.id);
      if (this.#inputEnded && this.#inFlight.size === 0) this.close();
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.onclose?.();
    }
    return Promise.resolve();
  }
}
