/**
 * Charts written to files and HTML reports: the SVG is well-formed XML with the expected series and
 * markers (read back by Python's XML parser), the PNG decodes to twice the SVG's size, and the HTML
 * report renders in headless Chromium with its charts, no console errors and no network requests.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./helpers/cli.ts";
import { inspectPage } from "./helpers/chromium.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";

/** What Python's ElementTree finds in an SVG: its size, its texts, and how many line marks it has. */
async function readSvg(
  path: string,
): Promise<{ width: number; height: number; texts: string[]; lines: number }> {
  const script = `
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
texts = [t.text for t in root.iter(ns + "text") if t.text]
lines = [p for g in root.iter(ns + "g") if "mark-line" in (g.get("class") or "") for p in g.iter(ns + "path")]
print(json.dumps({"width": float(root.get("width")), "height": float(root.get("height")), "texts": texts, "lines": len(lines)}))`;
  const out = await new Deno.Command("python3", {
    args: ["-c", script, path],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const overfitCurves = ["values", "-p", "sft-qwen", "-r", "overfit-v2", "-m", "train/loss,eval/loss"];

Deno.test("values --plot-out: an SVG with one line per series and a PNG at twice its size", async () => {
  const dir = fixtureDir("head");
  const svg = join(dir, "curves.svg");
  const out = await runCli([...overfitCurves, "--plot-out", svg, "--dir", dir]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, "");
  assert.match(out.stderr, /^note: chart written to .*curves\.svg\n$/);
  const parsed = await readSvg(svg);
  assert.equal(parsed.lines, 2);
  for (const label of ["train/loss", "eval/loss", "sft-qwen / overfit-v2", "step"]) {
    assert.ok(parsed.texts.includes(label), `${label} in ${parsed.texts.slice(0, 12)}`);
  }
  const png = join(dir, "curves.png");
  assert.equal(
    (await runCli([...overfitCurves, "--plot-out", png, "--dir", dir])).code,
    0,
  );
  const bytes = Deno.readFileSync(png);
  const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: "image/png" }));
  assert.deepStrictEqual([bitmap.width, bitmap.height], [parsed.width * 2, parsed.height * 2]);
  const bad = await runCli([...overfitCurves, "--plot-out", "x.gif", "--dir", dir]);
  assert.equal(bad.code, 2);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("analyze and compare --plot-out: findings marked, sweep runs overlaid", async () => {
  const dir = fixtureDir("head");
  const analyzed = join(dir, "analyze.svg");
  assert.equal(
    (await runCli(["analyze", "-p", "sft-qwen", "-r", "overfit-v2", "--plot-out", analyzed, "--dir", dir]))
      .code,
    0,
  );
  const a = await readSvg(analyzed);
  assert.ok(a.texts.includes("loss.overfitting: best eval loss: early-stopping point"), a.texts.join("|"));
  assert.equal(a.lines, 2);
  const compared = join(dir, "compare.svg");
  assert.equal(
    (await runCli(["compare", "-p", "hyperparam-sweep", "--plot-out", compared, "--dir", dir])).code,
    0,
  );
  const c = await readSvg(compared);
  assert.equal(c.lines, 3);
  for (const run of ["lr-1e-4", "lr-2e-5", "lr-1e-5"]) assert.ok(c.texts.includes(run), run);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("the HTML reports render in headless Chromium: charts, no console errors, no network", async () => {
  const dir = fixtureDir("head");
  for (
    const [name, args] of [
      ["analyze.html", ["analyze", "-p", "sft-qwen", "--all", "--format", "html"]],
      ["compare.html", ["compare", "-p", "hyperparam-sweep", "--format", "html"]],
    ] as const
  ) {
    const out = await runCli([...args, "--dir", dir]);
    assert.equal(out.code, 0, out.stderr);
    assert.ok(
      !/<script|<link|\bsrc=|@import|url\(/i.test(out.stdout),
      `${name} references nothing outside itself`,
    );
    const path = join(dir, name);
    Deno.writeTextFileSync(path, out.stdout);
    const page = await inspectPage(`file://${path}`, [
      "document.querySelectorAll('figure svg').length",
      "document.querySelectorAll('figure svg .mark-line path').length",
      "document.querySelector('.recommendation').textContent",
      "Math.round(document.querySelector('figure svg').getBoundingClientRect().width)",
    ]);
    assert.deepStrictEqual(page.errors, [], name);
    assert.deepStrictEqual(
      page.requests.filter((u) => u !== `file://${path}`),
      [],
      `${name}: network requests`,
    );
    const [figures, lines, recommendation, width] = page.values as [number, number, string, number];
    assert.ok(figures >= 1 && lines >= 2, `${name}: ${figures} charts, ${lines} lines`);
    assert.match(recommendation, /^Recommendation: /);
    assert.ok(width > 300, `${name}: the chart is drawn ${width}px wide`);
    const shot = await createImageBitmap(new Blob([new Uint8Array(page.screenshot)], { type: "image/png" }));
    assert.ok(shot.width >= 1000 && shot.height >= 600, `${shot.width}x${shot.height}`);
    Deno.writeFileSync(join(dir, `${name}.png`), page.screenshot);
  }
  Deno.removeSync(dir, { recursive: true });
});
