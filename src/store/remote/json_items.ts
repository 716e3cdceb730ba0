/**
 * The items of a JSON array exactly as they are written in its text (`[1,"a",[2,3]]` -> `1`, `"a"`,
 * `[2,3]`): the local reader prints what SQLite's JSON functions wrote, so a remote read that rebuilds
 * the same text must keep each number and string as the server's SQLite spelled it, not as
 * `JSON.parse` and `JSON.stringify` would respell it (`1e-05` is not `0.00001`). The text must be
 * valid JSON without whitespace between tokens, as SQLite's `json_group_array` writes it.
 */
export function jsonArrayItems(text: string): string[] {
  const inner = text.slice(1, -1);
  if (inner === "") return [];
  if (!/["[{]/.test(inner)) return inner.split(",");
  const items: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) depth++;
    else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
    else if (c === COMMA && depth === 0) {
      items.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  items.push(inner.slice(start));
  return items;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
