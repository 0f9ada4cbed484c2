import { describe, expect, it } from "vitest";
import { PageCache, columnWidth, fillHeight, indexWidth, isNumeric, pagesFor, revealed, visibleColumns, visibleRows } from "../src/lib/grid";

describe("visibleRows", () => {
  it("covers the viewport plus a margin, clamped to the table", () => {
    expect(visibleRows(0, 260, 26, 1_000_000, 10)).toEqual({ first: 0, last: 20 });
    expect(visibleRows(26 * 500_000, 260, 26, 1_000_000, 10)).toEqual({ first: 499_990, last: 500_020 });
    expect(visibleRows(26 * 999_995, 260, 26, 1_000_000, 10)).toEqual({ first: 999_985, last: 1_000_000 });
  });
  it("is empty for an empty table", () => {
    expect(visibleRows(100, 260, 26, 0)).toEqual({ first: 0, last: 0 });
  });
});

describe("pagesFor", () => {
  it("names every page the window touches", () => {
    expect(pagesFor({ first: 190, last: 410 }, 200)).toEqual([0, 1, 2]);
    expect(pagesFor({ first: 0, last: 200 }, 200)).toEqual([0]);
    expect(pagesFor({ first: 5, last: 5 }, 200)).toEqual([]);
  });
});

describe("PageCache", () => {
  it("keeps the most recently used pages", () => {
    const cache = new PageCache<number>(2);
    cache.set(0, [0]);
    cache.set(1, [1]);
    expect(cache.get(0)).toEqual([0]);
    cache.set(2, [2]);
    expect(cache.has(1)).toBe(false);
    expect(cache.has(0)).toBe(true);
    expect(cache.size).toBe(2);
  });
});

describe("column layout", () => {
  it("gives the row numbers room for every digit of the last row", () => {
    expect(indexWidth(999)).toBeLessThan(indexWidth(1_000));
    // Four digits at 8 px each, plus padding: "2,345" no longer shows as "2…".
    expect(indexWidth(5_000)).toBeGreaterThanOrEqual(4 * 8 + 16);
    expect(indexWidth(0)).toBeGreaterThan(0);
  });
  it("sizes a column for its name within bounds by kind", () => {
    expect(columnWidth({ name: "monthly_charges", kind: "float" })).toBeGreaterThanOrEqual(7 * "monthly_charges".length);
    expect(columnWidth({ name: "x", kind: "integer" })).toBe(80);
    expect(columnWidth({ name: "a".repeat(200), kind: "text" })).toBe(280);
  });
  it("right-aligns numbers only", () => {
    expect(isNumeric("integer") && isNumeric("float")).toBe(true);
    expect(isNumeric("text") || isNumeric("date") || isNumeric("boolean")).toBe(false);
  });
  it("fills the window below the grid's top, never shrinking below a floor", () => {
    expect(fillHeight(900, 200)).toBe(900 - 200 - 64);
    expect(fillHeight(300, 250)).toBe(200);
  });
});


describe("revealed", () => {
  it("scrolls as little as shows the item, below a sticky header", () => {
    // In view already: no move.
    expect(revealed(100, 400, 200, 26, 28)).toBe(100);
    // Above the view (under the header): its top just below the header.
    expect(revealed(300, 400, 310, 26, 28)).toBe(282);
    // Below the view: its bottom at the view's bottom.
    expect(revealed(0, 400, 500, 26, 28)).toBe(126);
    expect(revealed(10, 400, 0, 26, 28)).toBe(0);
  });
});

describe("visibleColumns", () => {
  const widths = Array.from({ length: 200 }, () => 100);
  it("draws the columns in view and a margin, and says how much room the ones before take", () => {
    // 40 px of row numbers, a view 600 px wide at the far left: columns 0..5 in view, 6..8 in the margin.
    expect(visibleColumns(widths, 0, 600, 40, 300)).toEqual({ first: 0, last: 9, before: 0 });
    // Scrolled 5,000 px right: column 49 (x 4,940..5,040) is the first in view, 46 with the margin.
    const w = visibleColumns(widths, 5_000, 600, 40, 300);
    expect(w.first).toBe(46);
    expect(w.before).toBe(4_600);
    expect(w.last).toBe(59);
  });
  it("reaches the last column at the far right, and draws nothing of no columns", () => {
    expect(visibleColumns(widths, 20_040 - 600, 600, 40, 300).last).toBe(200);
    expect(visibleColumns([], 0, 600, 40)).toEqual({ first: 0, last: 0, before: 0 });
  });
  it("follows columns of different widths", () => {
    expect(visibleColumns([300, 50, 50, 400, 80], 320, 100, 0, 0)).toEqual({ first: 1, last: 4, before: 300 });
  });
});
