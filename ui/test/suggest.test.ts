import { describe, expect, it } from "vitest";
import type { ColumnSuggestion, ExperimentSuggestion } from "../src/api/types";
import { defaultFeatures, defaultTarget, featuresForTarget, targetsFor } from "../src/lib/suggest";

function column(name: string, targets: ColumnSuggestion["targets"], feature = true): ColumnSuggestion {
  return { name, kind: "text", targets, feature, note: feature ? null : "an id" };
}

const churn: ExperimentSuggestion = {
  dataset: "churn",
  rows: 5000,
  columns: [
    column("customer_id", [], false),
    column("tenure", ["classification", "regression"]),
    column("monthly_charges", ["regression"]),
    column("contract", ["classification"]),
    column("churned", ["classification"]),
  ],
};

describe("experiment suggestions", () => {
  it("offers only valid targets, the last one first", () => {
    expect(targetsFor(churn, "regression").map((c) => c.name)).toEqual(["tenure", "monthly_charges"]);
    expect(defaultTarget(churn, "classification")).toBe("churned");
    expect(defaultTarget({ ...churn, columns: [column("id", [], false)] }, "classification")).toBeNull();
  });
  it("leaves an id column out of the default features", () => {
    expect(defaultFeatures(churn, "churned")).toEqual(["tenure", "monthly_charges", "contract"]);
  });
  it("keeps the user's choices when the target changes", () => {
    // The user unchecked monthly_charges; choosing contract as target must not re-check it.
    const chosen = ["tenure", "contract"];
    expect(featuresForTarget(churn, chosen, "churned", "contract")).toEqual(["tenure", "churned"]);
    expect(featuresForTarget(churn, ["tenure", "churned"], "contract", "churned")).toEqual(["tenure", "contract"]);
  });
});
