import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { dataError, notFound } from "../errors.ts";

const SQLITE_MAGIC = "SQLite format 3\0";
/** How long a read waits for a writer's lock before giving up. Trackio's writers hold it for milliseconds. */
export const BUSY_TIMEOUT_MS = 5_000;

export type Row = Record<string, SQLInputValue>;

interface FileState {
  size: number;
  mtimeMs: number;
}

function fileState(path: string): FileState | undefined {
  try {
    const info = Deno.statSync(path);
    return { size: info.size, mtimeMs: info.mtime?.getTime() ?? 0 };
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch {
    return undefined;
  }
}

/** What a file that is not a regular file is, in words: `doctor` lists such files as what they are. */
function kindOf(info: Deno.FileInfo): string {
  if (info.isFifo) return "not a regular file (a FIFO)";
  if (info.isSocket) return "not a regular file (a socket)";
  if (info.isCharDevice || info.isBlockDevice) return "not a regular file (a device)";
  return "not a regular file";
}

function exists(path: string): boolean {
  return fileState(path) !== undefined;
}

/** What the first 100 bytes of the file say: SQLite or not, WAL or rollback journal, size. */
export interface HeaderInfo {
  walMode: boolean;
  pageSize: number;
  pageCount: number;
}

/** How often a header that looks truncated is read again before the file is called truncated. */
const TRUNCATION_CHECKS = 5;
const TRUNCATION_PAUSE_MS = 20;

/**
 * Checks the file is a whole SQLite database before SQLite sees it, for messages a user understands.
 * A writer that checkpoints as it closes writes the header before the pages that extend the file, so
 * a file that looks shorter than its header says is looked at again a few times before it is called
 * truncated.
 */
export function readHeader(path: string, label: string): HeaderInfo {
  for (let attempt = 1;; attempt++) {
    try {
      return readHeaderOnce(path, label);
    } catch (error) {
      if (!(error instanceof TruncatedFile) || attempt >= TRUNCATION_CHECKS) {
        throw error instanceof TruncatedFile ? error.cliError : error;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, TRUNCATION_PAUSE_MS);
    }
  }
}

class TruncatedFile extends Error {
  constructor(readonly cliError: Error) {
    super(cliError.message);
  }
}

function readHeaderOnce(path: string, label: string): HeaderInfo {
  let bytes: Uint8Array;
  let size: number;
  try {
    const info = Deno.statSync(path);
    if (info.isDirectory) throw dataError(`${label}: ${path} is a directory, not a Trackio database`);
    // Opening a FIFO blocks until a writer comes, and a device can read forever: never open them.
    if (!info.isFile) throw dataError(`${label}: ${path} is ${kindOf(info)}, not a Trackio database`);
    const wal = statOrUndefined(`${path}-wal`);
    if (wal && !wal.isFile) throw dataError(`${label}: ${path}-wal is ${kindOf(wal)}, not a write-ahead log`);
    size = info.size;
    const file = Deno.openSync(path, { read: true });
    try {
      bytes = new Uint8Array(100);
      let read = 0;
      while (read < 100) {
        const n = file.readSync(bytes.subarray(read));
        if (n === null) break;
        read += n;
      }
      bytes = bytes.subarray(0, read);
    } finally {
      file.close();
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw notFound(`${label}: no database at ${path}`);
    if (error instanceof Deno.errors.PermissionDenied) {
      throw dataError(`${label}: permission denied reading ${path}`);
    }
    throw error;
  }
  if (size === 0) {
    throw dataError(`${label}: ${path} is empty (0 bytes), not a Trackio database yet`);
  }
  if (new TextDecoder().decode(bytes.subarray(0, 16)) !== SQLITE_MAGIC) {
    throw dataError(`${label}: ${path} is not an SQLite database`);
  }
  if (bytes.length < 100) throw dataError(`${label}: ${path} is truncated (${size} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pageCount = view.getUint32(28);
  const walMode = bytes[18] === 2 && bytes[19] === 2;
  const hasWal = exists(`${path}-wal`);
  if (!hasWal && pageCount > 0 && pageSize * pageCount > size) {
    throw new TruncatedFile(dataError(
      `${label}: ${path} is truncated (${size} bytes, its header says ${pageSize * pageCount})`,
      "Copy the file again from its source, or restore it from a backup.",
    ));
  }
  return { walMode, pageSize, pageCount };
}

/** Turns SQLite's terse errors into one line that names the file and what to do. */
export function explainSqliteError(error: unknown, label: string, path: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/not a database|disk image is malformed|corrupt/i.test(message)) {
    return dataError(`${label}: ${path} is corrupt (${message})`, "Restore the file from a backup.", error);
  }
  if (/locked|busy/i.test(message)) {
    return dataError(
      `${label}: ${path} stayed locked for ${BUSY_TIMEOUT_MS / 1000} s (${message})`,
      "A writer holds the database; try again in a moment.",
      error,
    );
  }
  if (/unable to open/i.test(message)) {
    return dataError(`${label}: cannot open ${path} (${message})`, undefined, error);
  }
  return dataError(`${label}: reading ${path} failed: ${message}`, undefined, error);
}

let uriOpens: boolean | undefined;

/**
 * Deno's node:sqlite honours SQLite URI filenames (and so `immutable=1`) only when the program runs
 * with every permission; under narrower flags it treats the URI as a relative path.
 */
export function immutableOpensAvailable(): boolean {
  if (uriOpens === undefined) {
    const names = ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const;
    uriOpens = names.every((name) => Deno.permissions.querySync({ name }).state === "granted");
  }
  return uriOpens;
}

/**
 * A read-only connection to one Trackio database.
 *
 * Trackio writes in WAL mode. A read-only SQLite connection to a WAL database creates `-wal` and
 * `-shm` files when they are missing and cannot remove them, so a database at rest (no `-wal`: no
 * writer attached) is read as an immutable snapshot that touches nothing; if the file changes while
 * we read (a writer started and checkpointed), the caller reads again through a shared-lock
 * connection (see `withDatabase`). While `-wal` exists a writer is attached and we join it as an
 * ordinary read-only reader, which sees a consistent snapshot and never blocks the writer. Without
 * URI support (see `immutableOpensAvailable`) every open is the ordinary read-only kind.
 */
/** A position in a run's rows, in (timestamp, id) order: where a reader that follows a run left off. */
export interface RowCursor {
  timestamp: string;
  id: number;
}

export class ReadOnlyDatabase {
  readonly db: DatabaseSync;
  readonly immutable: boolean;
  private readonly before?: FileState;

  constructor(readonly path: string, readonly label: string, forceShared = false) {
    const header = readHeader(path, label);
    this.immutable = !forceShared && header.walMode && !exists(`${path}-wal`) && immutableOpensAvailable();
    this.before = this.immutable ? fileState(path) : undefined;
    let target: string | URL = path;
    if (this.immutable) {
      target = pathToFileURL(path);
      target.searchParams.set("immutable", "1");
    }
    try {
      this.db = new DatabaseSync(target, { readOnly: true, timeout: BUSY_TIMEOUT_MS });
      // Forces SQLite to read the schema now, so a bad file fails here with a clear message.
      this.db.prepare("SELECT count(*) FROM sqlite_schema").get();
    } catch (error) {
      throw explainSqliteError(error, label, path);
    }
  }

  /** True when an immutable snapshot may have been torn by a writer that started meanwhile. */
  changedSinceOpen(): boolean {
    if (!this.immutable) return false;
    const now = fileState(this.path);
    return !now || now.size !== this.before?.size || now.mtimeMs !== this.before?.mtimeMs ||
      exists(`${this.path}-wal`);
  }

  all(sql: string, ...params: SQLInputValue[]): Row[] {
    try {
      return this.db.prepare(sql).all(...params) as Row[];
    } catch (error) {
      throw explainSqliteError(error, this.label, this.path);
    }
  }

  /** Runs `read` in one read transaction: its statements see the same state of the file. */
  snapshot<T>(read: () => T): T {
    this.db.exec("BEGIN");
    try {
      return read();
    } finally {
      this.db.exec("COMMIT");
    }
  }

  get(sql: string, ...params: SQLInputValue[]): Row | undefined {
    try {
      return this.db.prepare(sql).get(...params) as Row | undefined;
    } catch (error) {
      throw explainSqliteError(error, this.label, this.path);
    }
  }

  /**
   * The rows of `select` in (timestamp, id) order, fetched a page at a time: memory stays bounded
   * for a million-row run, and every failure surfaces. (Deno's `StatementSync.iterate()` ends
   * silently when a row fails, e.g. on malformed JSON, so it is not used.) `select` must start
   * `SELECT timestamp, id, ...` from `metrics` or a table like it and end inside its WHERE clause;
   * rows come as arrays of column values.
   */
  *pagesByTime(
    select: string,
    params: SQLInputValue[],
    pageSize = 4096,
    after?: RowCursor,
  ): Generator<unknown[]> {
    const prepare = (sql: string) => {
      try {
        const statement = this.db.prepare(sql);
        // Present in Deno's node:sqlite, missing from the bundled Node typings.
        (statement as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
        return statement;
      } catch (error) {
        throw explainSqliteError(error, this.label, this.path);
      }
    };
    const first = prepare(`${select} ORDER BY timestamp, id LIMIT ${pageSize}`);
    const next = prepare(`${select} AND (timestamp, id) > (?, ?) ORDER BY timestamp, id LIMIT ${pageSize}`);
    let page: unknown[][];
    try {
      page = (after
        ? next.all(...params, after.timestamp, after.id)
        : first.all(...params)) as unknown as unknown[][];
    } catch (error) {
      throw explainSqliteError(error, this.label, this.path);
    }
    while (page.length > 0) {
      yield* page;
      if (page.length < pageSize) return;
      const last = page[page.length - 1];
      try {
        page = next.all(
          ...params,
          last[0] as SQLInputValue,
          last[1] as SQLInputValue,
        ) as unknown as unknown[][];
      } catch (error) {
        throw explainSqliteError(error, this.label, this.path);
      }
    }
  }

  close(): void {
    try {
      this.db.close();
    } catch {
      // Already closed.
    }
  }
}

/**
 * Runs `read` on a read-only connection and returns its result; if an immutable snapshot changed
 * under it, runs it again on a shared-lock connection. `read` must not emit anything itself.
 */
export async function withDatabase<T>(
  path: string,
  label: string,
  read: (db: ReadOnlyDatabase) => T | Promise<T>,
): Promise<T> {
  const first = new ReadOnlyDatabase(path, label);
  let result: T;
  let retry = false;
  try {
    result = await read(first);
    retry = first.changedSinceOpen();
  } catch (error) {
    if (!first.changedSinceOpen()) throw error;
    retry = true;
  } finally {
    first.close();
  }
  if (!retry) return result!;
  const shared = new ReadOnlyDatabase(path, label, true);
  try {
    return await read(shared);
  } finally {
    shared.close();
  }
}
