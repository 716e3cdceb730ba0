import { isMetricKey } from "../project.ts";

/**
 * How a scan of a run's rows crosses the network: each row's metrics text as stored (what the local
 * reader reads), or only the values of the metrics wanted, extracted by the server's SQLite. Sending
 * the text costs the server almost nothing but carries every value; extracting parses every row on
 * the server (and first needs a scan for the run's keys) but leaves the unwanted values behind.
 */
export interface ScanPlan {
  raw: boolean;
  /** Rows per page of stored text: about `pageBytes` of it. */
  rawPageRows: number;
  /**
   * A row longer than this is read on its own, by id: a page of stored text then holds at most
   * `BIG_ROW_FACTOR` times its planned size (or `MIN_BIG_ROW` bytes a row), whatever the rows the sample
   * did not see (a histogram or a table logged mid-run).
   */
  bigRowBytes: number;
}

/**
 * Stored text is sent when the wanted values are at least this share of the values' text: gzip, which
 * Trackio's server applies, makes the repeated key names nearly free, so the bytes sent follow the
 * values.
 */
const RAW_WHEN_WANTED_SHARE = 0.5;
/**
 * Bytes of stored text a page, by how the answers come. Plain answers (from a server on the same
 * machine): two megabytes. The server and the client each hold off the connection while they work on
 * a page (Trackio's server answers one request at a time, the client parses in the thread that reads),
 * so a page moves only when both are between pages, and small pages let them take turns often enough
 * to work at the same time (README gives the times of 1 to 16 MB pages). Gzipped answers cross a
 * network, where three pages are in flight a round trip: pages of 8 MB (about 1.6 MB gzipped) still
 * carry 16 MB/s over a 300 ms round trip, where 2 MB pages would carry 4.
 */
export const RAW_PAGE_BYTES = { plain: 2_000_000, gzip: 8_000_000 };
const BIG_ROW_FACTOR = 4;
const MIN_BIG_ROW = 1024;

/**
 * The plan for rows like `sample` (their stored texts), `wanted` choosing the metrics kept, in pages
 * of at most `maxPageRows` rows and about `pageBytes` (`RAW_PAGE_BYTES`) of text.
 */
export function scanPlan(
  sample: string[],
  wanted: ((metric: string) => boolean) | undefined,
  maxPageRows: number,
  pageBytes: number,
): ScanPlan {
  const average = Math.max(
    1,
    sample.reduce((sum, text) => sum + text.length, 0) / Math.max(1, sample.length),
  );
  const rawPageRows = Math.max(1, Math.min(maxPageRows, Math.floor(pageBytes / average)));
  const bigRowBytes = Math.max(MIN_BIG_ROW, Math.ceil(BIG_ROW_FACTOR * average));
  if (!wanted) return { raw: true, rawPageRows, bigRowBytes };
  let all = 0, kept = 0;
  for (const text of sample) {
    let metrics: unknown;
    try {
      metrics = JSON.parse(text);
    } catch {
      // Not JSON: the scan meets it either way and leaves it out; the sample says nothing.
      continue;
    }
    if (typeof metrics !== "object" || metrics === null || Array.isArray(metrics)) continue;
    for (const [key, value] of Object.entries(metrics)) {
      const size = JSON.stringify(value)?.length ?? 0;
      all += size;
      if (isMetricKey(key) && wanted(key)) kept += size;
    }
  }
  return { raw: all === 0 || kept >= RAW_WHEN_WANTED_SHARE * all, rawPageRows, bigRowBytes };
}
