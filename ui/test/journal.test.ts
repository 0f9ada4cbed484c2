import { describe, expect, it } from "vitest";
import { journalSubject } from "../src/lib/journal";

describe("journalSubject", () => {
  it("names each kind of subject as a person reads it", () => {
    expect(journalSubject({ kind: "project" })).toBe("the project");
    expect(journalSubject({ kind: "experiment", id: 3 })).toBe("experiment 3");
    expect(journalSubject({ kind: "run", id: 12 })).toBe("run 12");
    expect(journalSubject({ kind: "model_version", id: 4 })).toBe("model version 4");
    expect(journalSubject(null)).toBe("");
  });
});
