/**
 * Charts to files with well-kept libraries: Vega-Lite compiles the spec, Vega renders it to SVG
 * without a browser, resvg (WebAssembly) rasterizes the SVG to PNG with a bundled font (DejaVu Sans,
 * see fonts/LICENSE-DejaVu.txt). Everything is loaded from the program itself: nothing is fetched,
 * and the libraries load only when a chart is asked for.
 */
import type { ChartSeries } from "./terminal.ts";
import { chartSpec, type FileChartOptions } from "./spec.ts";

const FONT = new URL("./fonts/DejaVuSans.ttf", import.meta.url);

export async function renderSvg(series: ChartSeries[], options: FileChartOptions): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const compiled = vegaLite.compile(chartSpec(series, options) as never).spec;
  // No loader may fetch: the data is inline, and a spec asking for a URL is a bug, not a download.
  const loader = vega.loader();
  loader.load = () => Promise.reject(new Error("trackio-cli charts never load external data"));
  const view = new vega.View(vega.parse(compiled), { renderer: "none", loader });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

let wasmReady: Promise<void> | undefined;

/** PNG of an SVG at twice its size (sharp on high-density screens and in PR comments). */
export async function renderPng(svg: string): Promise<Uint8Array> {
  const resvg = await import("@resvg/resvg-wasm");
  wasmReady ??= (async () => {
    const wasm = await Deno.readFile(new URL(import.meta.resolve("@resvg/resvg-wasm/index_bg.wasm")));
    await resvg.initWasm(wasm);
  })();
  await wasmReady;
  const font = await Deno.readFile(FONT);
  const renderer = new resvg.Resvg(svg, {
    font: { fontBuffers: [font], defaultFontFamily: "DejaVu Sans", loadSystemFonts: false },
    fitTo: { mode: "zoom", value: 2 },
  });
  return renderer.render().asPng();
}

/** The chart file's contents for `path`: SVG text for .svg, else PNG bytes. */
export async function chartFile(
  path: string,
  series: ChartSeries[],
  options: FileChartOptions,
): Promise<string | Uint8Array> {
  const svg = await renderSvg(series, options);
  return /\.svg$/i.test(path) ? svg : await renderPng(svg);
}
