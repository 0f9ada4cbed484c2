import { describe, expect, it } from "vitest";
import { inline, parseMarkdown } from "../src/lib/markdown";

describe("model card Markdown", () => {
  it("reads headings, paragraphs, lists and tables as Rust writes them", () => {
    const blocks = parseMarkdown(
      "# iris v1\n\nA **classification** model (`random_forest`).\nIt is run 3.\n\n## Metrics\n\n| metric | mean |\n|---|---:|\n| accuracy | 0.95 |\n| a \\| b | 1 |\n\n- one\n- two `x`\n",
    );
    expect(blocks.map((b) => b.kind)).toEqual(["heading", "paragraph", "heading", "table", "list"]);
    const table = blocks[3];
    expect(table?.kind === "table" && table.align).toEqual(["left", "right"]);
    expect(table?.kind === "table" && table.rows[1]?.[0]).toEqual([{ kind: "text", text: "a | b" }]);
    const paragraph = blocks[1];
    expect(paragraph?.kind === "paragraph" && paragraph.inline.map((p) => p.kind)).toEqual(["text", "strong", "text", "code", "text"]);
  });
  it("keeps markup as text, never as HTML", () => {
    expect(inline("<script>alert(1)</script> **x")).toEqual([{ kind: "text", text: "<script>alert(1)</script> **x" }]);
  });
});
