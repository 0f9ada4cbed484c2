import { describe, expect, it } from "vitest";
import { keep, kept } from "../src/lib/persist";

describe("kept state", () => {
  it("outlives the page that set it, and takes updates as functions", () => {
    expect(kept("form", { name: "" })).toEqual({ name: "" });
    keep("form", { name: "" }, { name: "churn" });
    expect(kept("form", { name: "" })).toEqual({ name: "churn" });
    keep<number>("count", 0, (n) => n + 1);
    keep<number>("count", 0, (n) => n + 1);
    expect(kept("count", 0)).toBe(2);
  });
});
