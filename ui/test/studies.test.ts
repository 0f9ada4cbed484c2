import { describe, expect, it } from "vitest";
import { byRank, cliques } from "../src/lib/studies";

describe("the critical-difference diagram", () => {
  // Demšar (2006), section 3.2.2: mean ranks of four C4.5 variants, CD = 1.25.
  const models = ["C4.5", "C4.5+m", "C4.5+cf", "C4.5+m+cf"];
  const ranks = [3.143, 2.0, 2.893, 1.964];
  it("sorts the models by mean rank, best first", () => {
    expect(byRank(models, ranks).map((m) => m.model)).toEqual(["C4.5+m+cf", "C4.5+m", "C4.5+cf", "C4.5"]);
  });
  it("joins the models the test cannot separate, as his figure does", () => {
    // At α = 0.05 (CD 1.25) all four are within it: one bar, no difference found.
    expect(cliques(byRank(models, ranks), 1.25)).toEqual([{ from: 0, to: 3 }]);
    // At α = 0.10 (CD 1.16, his figure 1) C4.5+m+cf and C4.5 are 1.179 apart:
    // two overlapping bars, and only that pair is separated.
    expect(cliques(byRank(models, ranks), 1.16)).toEqual([
      { from: 0, to: 2 },
      { from: 1, to: 3 },
    ]);
    // With a CD smaller than every gap, no bar.
    expect(cliques(byRank(models, ranks), 0.01)).toEqual([]);
    // With a huge CD, one bar over all.
    expect(cliques(byRank(models, ranks), 10)).toEqual([{ from: 0, to: 3 }]);
  });
});
