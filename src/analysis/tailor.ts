import { fmt } from "../util/format.ts";

/**
 * A rule's actions in the terms of this run's config: the learning rate it used and what 2-10x lower
 * means, whether gradient clipping is already on (and at what), whether it trains in fp16. Generic
 * advice ("enable clipping") to a run that already clips is noise an agent then has to correct.
 */
export function tailorActions(actions: string[], config: Record<string, unknown> | null): string[] {
  const lr = typeof config?.learning_rate === "number" && config.learning_rate > 0
    ? config.learning_rate
    : null;
  const clip = typeof config?.max_grad_norm === "number" ? config.max_grad_norm : null;
  const fp16 = config?.fp16 === true;
  return actions.map((action) => {
    let out = action;
    const factor = /learning rate (\d+)-(\d+)x/i.exec(out) ?? /(\d+)-(\d+)x lower learning rate/i.exec(out);
    if (lr !== null && factor && /(lower|reduce)/i.test(out)) {
      const [hi, lo] = [Number(factor[1]), Number(factor[2])];
      out += ` (it is ${fmt(lr)}: try ${fmt(lr / lo)} to ${fmt(lr / hi)})`;
    } else if (lr !== null && /(lower|reduce) the learning rate/i.test(out)) {
      out += ` (it is ${fmt(lr)})`;
    }
    if (clip !== null && /gradient clipping \(max_grad_norm=1\.0\)/i.test(out)) {
      out = clip > 0 && clip <= 1
        ? out.replace(
          /Enable gradient clipping \(max_grad_norm=1\.0\)( if it is off)?/i,
          `Gradient clipping is on (max_grad_norm=${
            fmt(clip)
          }): lower it, or look for the batches that still blow up`,
        )
        : out.replace(
          /Enable gradient clipping \(max_grad_norm=1\.0\)( if it is off)?/i,
          `Lower max_grad_norm (it is ${fmt(clip)}${clip === 0 ? ", clipping off" : ""}) to 1.0`,
        );
    }
    if (fp16 && /bf16/.test(out)) out = `This run trains in fp16 (fp16: true). ${out}`;
    return out;
  });
}
