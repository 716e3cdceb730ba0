import { usageError } from "../errors.ts";

// `Number()` also takes '', ' 5', '0x64', '1e3' and 'Infinity': a flag's number must look like one.
const WHOLE = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** The number a flag's text writes in plain decimal notation, or a usage error that says what is wanted. */
export function numberFlag(flag: string, text: string, whole: boolean, wanted?: string): number {
  if (!(whole ? WHOLE : DECIMAL).test(text)) {
    throw usageError(`${flag}: '${text}' is not ${wanted ?? (whole ? "a whole number" : "a number")}`);
  }
  return Number(text);
}
