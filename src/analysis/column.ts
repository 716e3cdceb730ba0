/**
 * Numbers that grow by appends, held in a `Float64Array` rather than a JavaScript array. A process
 * that keeps a few million of them (the run cache's series) would otherwise carry them on the
 * garbage-collected heap, and V8 lets garbage build up in proportion to that heap before it collects:
 * kept series of 500 MB made a server peak at 2.7 GB. A typed array's numbers live outside that heap.
 */
export class Column {
  private data: Float64Array<ArrayBuffer>;
  private size = 0;
  private shown?: Float64Array;

  constructor(capacity = 16) {
    this.data = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Bytes held, room to grow included. */
  get bytes(): number {
    return this.data.byteLength;
  }

  push(value: number): void {
    if (this.size === this.data.length) {
      // `transfer` frees the old buffer at once rather than leaving it for the collector. Views taken
      // before are emptied, so none is kept across appends (a question reads views taken after them).
      const length = Math.max(16, Math.ceil(this.data.length * 1.5));
      this.data = new Float64Array(this.data.buffer.transfer(length * Float64Array.BYTES_PER_ELEMENT));
    }
    this.data[this.size++] = value;
    this.shown = undefined;
  }

  /**
   * Frees the numbers now rather than at the next garbage collection, for a column no one reads any
   * more (a cache entry dropped): its views, if any were kept, become empty.
   */
  release(): void {
    this.data.buffer.transfer(0);
    this.data = new Float64Array(0);
    this.size = 0;
    this.shown = undefined;
  }

  /** The numbers so far, without a copy: valid until a push makes the column grow (see `push`). */
  view(): Float64Array {
    return this.shown ??= this.data.subarray(0, this.size);
  }
}
