// The experiment form's defaults, from what Rust says of a dataset's columns
// (`suggest_experiment`: which can be targets of which task, which are
// features by default). The rules are Rust's; this only applies them to the
// form's choices.

import type { ColumnSuggestion, ExperimentSuggestion, Task } from "../api/types";

/** Columns that can be the target of `task`. */
export function targetsFor(suggestion: ExperimentSuggestion, task: Task): ColumnSuggestion[] {
  return suggestion.columns.filter((c) => c.targets.includes(task));
}

/** The target a new form starts with: the last column that can be one (where tables keep their label), else none. */
export function defaultTarget(suggestion: ExperimentSuggestion, task: Task): string | null {
  const valid = targetsFor(suggestion, task);
  return valid[valid.length - 1]?.name ?? null;
}

/** The features a new form starts with: the default features, but the target. */
export function defaultFeatures(suggestion: ExperimentSuggestion, target: string | null): string[] {
  return suggestion.columns.filter((c) => c.feature && c.name !== target).map((c) => c.name);
}

/**
 * The features after the target changes from `previous` to `next`: the
 * user's choices stay; the new target leaves them, and the old one comes
 * back if it is a feature by default.
 */
export function featuresForTarget(
  suggestion: ExperimentSuggestion,
  features: string[],
  previous: string | null,
  next: string | null,
): string[] {
  const kept = features.filter((f) => f !== next);
  const back = suggestion.columns.find((c) => c.name === previous && c.feature && previous !== next);
  if (!back || kept.includes(back.name)) return kept;
  // In the dataset's column order.
  const order = suggestion.columns.map((c) => c.name);
  return [...kept, back.name].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}
