import { describe, expect, it } from "vitest";
import { PAGE_STEP, nextIndex } from "../src/lib/keys";

describe("nextIndex", () => {
  it("moves by one with the arrows, staying within the list", () => {
    expect(nextIndex("ArrowDown", 2, 5)).toBe(3);
    expect(nextIndex("ArrowUp", 2, 5)).toBe(1);
    expect(nextIndex("ArrowDown", 4, 5)).toBe(4);
    expect(nextIndex("ArrowUp", 0, 5)).toBe(0);
  });
  it("jumps to either end with Home and End", () => {
    expect(nextIndex("Home", 3, 5)).toBe(0);
    expect(nextIndex("End", 1, 5)).toBe(4);
    expect(nextIndex("End", null, 5)).toBe(4);
  });
  it("moves a page at a time, stopping at the ends", () => {
    expect(PAGE_STEP).toBe(10);
    expect(nextIndex("PageDown", 3, 50)).toBe(13);
    expect(nextIndex("PageUp", 13, 50)).toBe(3);
    expect(nextIndex("PageDown", 45, 50)).toBe(49);
    expect(nextIndex("PageUp", 4, 50)).toBe(0);
  });
  it("starts at the top going down and at the bottom going up when nothing is selected", () => {
    expect(nextIndex("ArrowDown", null, 5)).toBe(0);
    expect(nextIndex("PageDown", null, 5)).toBe(0);
    expect(nextIndex("ArrowUp", null, 5)).toBe(4);
    expect(nextIndex("PageUp", null, 5)).toBe(4);
  });
  it("brings a selection left past the end of a shorter list back into it", () => {
    expect(nextIndex("ArrowDown", 7, 3)).toBe(2);
    expect(nextIndex("ArrowUp", 7, 3)).toBe(2);
  });
  it("is null for an empty list and for keys that do not move", () => {
    expect(nextIndex("ArrowDown", null, 0)).toBeNull();
    expect(nextIndex("Home", 0, 0)).toBeNull();
    expect(nextIndex("Enter", 1, 5)).toBeNull();
    expect(nextIndex("a", null, 5)).toBeNull();
  });
});
