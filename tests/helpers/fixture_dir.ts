import { join } from "node:path";
import { FIXTURES, type Generation, lossRows, TrackioDb } from "./trackio_db.ts";

/**
 * A temporary data directory holding one generation's fixture databases, plus `edge-cases.db`
 * (the project Trackio's recorded get_all_projects also listed, whose file is not shipped).
 */
export function fixtureDir(generation: Generation): string {
  const dir = Deno.makeTempDirSync({ prefix: `trackio-${generation}-` });
  for (const entry of Deno.readDirSync(join(FIXTURES, generation))) {
    if (entry.name.endsWith(".db")) {
      Deno.copyFileSync(join(FIXTURES, generation, entry.name), join(dir, entry.name));
    }
  }
  const edge = new TrackioDb(join(dir, "edge-cases.db"), generation);
  edge.log("r", lossRows(3));
  edge.close();
  return dir;
}

export interface RecordedCall {
  args: Record<string, unknown>;
  result: unknown;
}

export function expectedCalls(generation: Generation, project: string): Record<string, RecordedCall[]> {
  return JSON.parse(Deno.readTextFileSync(join(FIXTURES, "expected", generation, `${project}.json`)));
}

export function expectedProjects(generation: Generation): string[] {
  return [...Deno.readDirSync(join(FIXTURES, "expected", generation))]
    .map((e) => e.name.replace(/\.json$/, ""))
    .sort();
}

/** Calls Trackio answered with an empty result where trackio-cli gives a not-found error. */
export function isUnknownLookup(args: Record<string, unknown>): boolean {
  return args.project === "no-such-project" || args.run === "no-such-run" ||
    args.metric_name === "no/such/metric";
}
