import { describe, expect, it } from "vitest";
import { csvCell, dataUrlBlob, fileName, toCsv } from "../src/lib/save";

describe("toCsv", () => {
  it("quotes what must be quoted and keeps numbers in full", () => {
    expect(toCsv(["name", "score"], [["a, b", 0.9128000000000001], ['say "hi"', null], ["line\nbreak", 3]])).toBe(
      'name,score\r\n"a, b",0.9128000000000001\r\n"say ""hi""",\r\n"line\nbreak",3\r\n',
    );
  });

  it("keeps spaces at the ends of a value by quoting it", () => {
    expect(csvCell(" padded")).toBe('" padded"');
    expect(csvCell(Number.NaN)).toBe("");
    expect(csvCell(true)).toBe("true");
  });
});

describe("fileName", () => {
  it("makes a safe name from a title", () => {
    expect(fileName("Comparison of 3 runs / accuracy", "csv")).toBe("Comparison-of-3-runs-accuracy.csv");
    expect(fileName("  ", "png")).toBe("data-lab.png");
    expect(fileName("pingüinos", "svg")).toBe("pingüinos.svg");
  });
});

describe("dataUrlBlob", () => {
  it("decodes base64 and plain data URLs", async () => {
    const png = dataUrlBlob("data:image/png;base64,iVBORw==");
    expect(png.type).toBe("image/png");
    expect([...new Uint8Array(await png.arrayBuffer())]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const svg = dataUrlBlob("data:image/svg+xml;charset=utf-8,%3Csvg%3E%3C%2Fsvg%3E");
    expect(svg.type).toBe("image/svg+xml");
    expect(await svg.text()).toBe("<svg></svg>");
  });
});
