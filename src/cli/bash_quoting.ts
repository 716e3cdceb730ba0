/** The quote a word being typed was begun with and not yet closed: what bash will close after it. */
export type OpenQuote = "" | "'" | '"';

/**
 * A word as bash hands it to a completion function (as typed: `it\'s`, `'run w`, `"a b"`), turned into
 * what the program will receive, with the quote still open at its end, if any.
 */
export function unquoteWord(raw: string): { text: string; open: OpenQuote } {
  let text = "";
  let open: OpenQuote = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (open === "'") {
      if (c === "'") open = "";
      else text += c;
    } else if (open === '"') {
      if (c === '"') open = "";
      else if (c === "\\" && '"\\$`'.includes(raw[i + 1] ?? "")) text += raw[++i];
      else text += c;
    } else if (c === "'" || c === '"') {
      open = c;
    } else if (c === "\\") {
      // A backslash at the very end escapes what completion is about to insert: it adds nothing.
      text += raw[++i] ?? "";
    } else {
      text += c;
    }
  }
  return { text, open };
}

/**
 * `name` written for bash to insert as it stands into a word begun with `open`: bash inserts a
 * completion function's answers literally, so `run with spaces` would become three words.
 */
export function quoteForBash(name: string, open: OpenQuote): string {
  if (open) {
    const quoted = open === "'" ? name.replaceAll("'", `'\\''`) : name.replace(/["\\$`]/g, "\\$&");
    // Readline closes the quote after a sole match, unless the line already ends with that character.
    return quoted.endsWith(open) ? `${quoted}${open}` : quoted;
  }
  // `=` and `:` too: bash splits the words it hands over there, unless they are escaped.
  return name.replace(/[^\w@%+,./-]/g, "\\$&");
}
