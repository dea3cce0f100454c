import assert from "node:assert/strict";
import { MolqError } from "../core/errors.ts";
import { childrenNamed, childText, descendantsNamed, parseXml } from "./sge_xml.ts";

Deno.test("parseXml() reads elements, attributes, entities, CDATA and skips comments", () => {
  const root = parseXml(
    `<?xml version='1.0'?>\n<!-- a comment -->\n<a x="1" y='two &amp; 3'><b>&lt;hi&gt; &#65;&#x42;</b>` +
      `<b><![CDATA[<raw> & ]]></b><c/><?pi x?></a>`,
  );
  assert.equal(root.name, "a");
  assert.deepEqual(root.attributes, { x: "1", y: "two & 3" });
  assert.deepEqual(childrenNamed(root, "b").map((b) => b.text), ["<hi> AB", "<raw> & "]);
  assert.equal(childText(root, "c"), "");
  assert.equal(childText(root, "missing"), null);
});

Deno.test("descendantsNamed() finds elements at any depth in document order", () => {
  const root = parseXml("<r><q><j>1</j></q><i><j>2</j><k><j>3</j></k></i></r>");
  assert.deepEqual(descendantsNamed(root, "j").map((j) => j.text), ["1", "2", "3"]);
});

Deno.test("parseXml() throws on cut-off, mismatched or non-XML input", () => {
  for (
    const bad of [
      "",
      "<job_info><queue_info>",
      "<a><b></a></b>",
      "<a></a><b></b>",
      "error: commlib error: got select error (Connection refused)",
      "<a>1 < 2</a>",
      "<a x=1></a>",
    ]
  ) {
    assert.throws(() => parseXml(bad), MolqError, JSON.stringify(bad));
  }
});
