/**
 * Edit distance counting a swap of two neighbours as one edit (`rnus` for `runs`), the commonest typo;
 * small and allocation-light: names here are short.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        cur[j] = Math.min(cur[j], before[j - 2] + 1);
      }
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The candidates closest to `wanted`, best first: substring matches, then small edit distances
 * (at most a third of the longer name), case-insensitive. Empty when nothing is plausibly meant.
 */
export function closestNames(wanted: string, candidates: Iterable<string>, limit = 3): string[] {
  const w = wanted.toLowerCase();
  const scored: [number, string][] = [];
  for (const candidate of new Set(candidates)) {
    const c = candidate.toLowerCase();
    const distance = editDistance(w, c);
    const contains = w.length >= 2 && (c.includes(w) || w.includes(c));
    const close = distance <= Math.max(1, Math.floor(Math.max(w.length, c.length) / 3));
    if (contains || close || sharesLongPrefix(w, c)) {
      scored.push([contains ? Math.min(distance, 1) - 1 : distance, candidate]);
    }
  }
  scored.sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1]));
  return scored.slice(0, limit).map(([, name]) => name);
}

/** A typo near the end of a long name (`loss-curves` for `loss-curve-interpretation`). */
function sharesLongPrefix(a: string, b: string): boolean {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n >= Math.max(4, Math.ceil(a.length * 0.75));
}

/** " Did you mean 'a' or 'b'?" or "" — for the end of a not-found message. */
export function didYouMean(wanted: string, candidates: Iterable<string>): string {
  const names = closestNames(wanted, candidates);
  if (names.length === 0) return "";
  const quoted = names.map((n) => `'${n}'`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
  return ` Did you mean ${list}?`;
}
