/**
 * docs/architecture.md describes the code as it is: every folder and top-level file of src/ has its row,
 * every source file is named in its folder's row, every file the rows name exists, and the key exports
 * they list are exported there.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const SRC = join(ROOT, "src");
const DOC = Deno.readTextFileSync(join(ROOT, "docs", "architecture.md"));

/** The folder table's rows: `src/x/` (or `src/x.ts`) -> [what it holds, key exports]. */
function rows(): Map<string, { holds: string; exports: string[] }> {
  const out = new Map<string, { holds: string; exports: string[] }>();
  for (const line of DOC.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const where = /^`(src\/[^`]+)`$/.exec(cells[1] ?? "")?.[1];
    if (!where) continue;
    out.set(where, { holds: cells[2], exports: [...(cells[3] ?? "").matchAll(/`(\w+)`/g)].map((m) => m[1]) });
  }
  return out;
}

/** Every .ts file under `dir`, relative to it. */
function sources(dir: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...sources(path).map((p) => join(entry.name, p)));
    else if (entry.name.endsWith(".ts")) found.push(entry.name);
  }
  return found;
}

Deno.test("docs/architecture.md has a row for every folder and top-level file of src/", () => {
  const documented = [...rows().keys()].sort();
  const actual = [...Deno.readDirSync(SRC)]
    .filter((e) => e.isDirectory || e.name.endsWith(".ts"))
    .map((e) => `src/${e.name}${e.isDirectory ? "/" : ""}`)
    .sort();
  assert.deepStrictEqual(documented, actual);
});

Deno.test("each folder's row names every file in it, and names no file that is not there", () => {
  for (const [where, { holds }] of rows()) {
    if (!where.endsWith("/")) continue;
    const dir = join(ROOT, where);
    const files = sources(dir);
    // A name is a file of the folder or a subfolder (`rules/index.ts`, or just `index.ts`), or a pattern (`get_*.ts`).
    const named = [...holds.matchAll(/`([\w/*]+\.ts)`/g)].map((m) => m[1]);
    const matches = (name: string, file: string) =>
      new RegExp(`(^|/)${name.replaceAll(".", "\\.").replaceAll("*", "[\\w]*")}$`).test(file);
    for (const file of files) {
      const inSubfolder = file.includes("/") && holds.includes(`\`${file.split("/")[0]}/\``);
      assert.ok(named.some((n) => matches(n, file)) || inSubfolder, `${where}${file} is not in its row`);
    }
    for (const name of named) {
      assert.ok(files.some((f) => matches(name, f)), `${where} names ${name}, which is not there`);
    }
  }
});

Deno.test("the key exports a row lists are exported from its folder", async () => {
  for (const [where, { exports }] of rows()) {
    const path = join(ROOT, where);
    const files = where.endsWith("/") ? sources(path).map((f) => join(path, f)) : [path];
    const exported = new Set<string>();
    for (const file of files) {
      for (const name of Object.keys(await import(`file://${file}`))) exported.add(name);
    }
    for (const name of exports) {
      assert.ok(exported.has(name), `${where}: ${name} is not exported there (${relative(ROOT, path)})`);
    }
  }
});

Deno.test("every src/ path the document mentions exists, and `name` in `src/file.ts` is exported there", async () => {
  for (const [, path] of DOC.matchAll(/`(src\/[\w/.]*)`/g)) {
    assert.ok(
      Deno.statSync(join(ROOT, path.replace(/\/$/, ""))).isFile || path.endsWith("/"),
      `${path} is mentioned`,
    );
  }
  for (const [, name, path] of DOC.matchAll(/`(\w+)` (?:is )?in `(src\/[\w/]+\.ts)`/g)) {
    const module = await import(`file://${join(ROOT, path)}`);
    assert.ok(name in module, `the document says ${name} is in ${path}; it is not exported there`);
  }
});
