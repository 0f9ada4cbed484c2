import { describe, expect, it } from "vitest";
import { PageCache, pagesFor, visibleRows } from "../src/lib/grid";

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
