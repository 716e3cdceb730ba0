import assert from "node:assert/strict";
import fc from "fast-check";
import { jsonArrayItems } from "../src/store/remote/json_items.ts";

Deno.test("jsonArrayItems: each item's text as written, whatever it holds", () => {
  assert.deepStrictEqual(jsonArrayItems("[]"), []);
  assert.deepStrictEqual(jsonArrayItems("[1e-05,2.50,null]"), ["1e-05", "2.50", "null"]);
  assert.deepStrictEqual(
    jsonArrayItems('["a,b","c\\"],[",{"k":[1,2]},[3,{"x":"}"}],"\\\\"]'),
    ['"a,b"', '"c\\"],["', '{"k":[1,2]}', '[3,{"x":"}"}]', '"\\\\"'],
  );
  fc.assert(
    fc.property(fc.array(fc.jsonValue()), (items) => {
      assert.deepStrictEqual(jsonArrayItems(JSON.stringify(items)), items.map((v) => JSON.stringify(v)));
    }),
    { numRuns: 500 },
  );
});
