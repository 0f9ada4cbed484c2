// The second half of the experiment form: validation (k-fold or holdout),
// search (grid, random or TPE) with its budget, early stopping, the
// decision threshold of a binary classifier, the seed and how many trials
// run at once.

import { tid } from "../../components/ApiError";
import type { SpecForm } from "../../lib/spec";

export function SearchSettings(props: {
  form: SpecForm;
  /** Sets fields of the form. */
  update: (patch: Partial<SpecForm>) => void;
  /** Sets fields computed from the form as it is now (see ExperimentsPage). */
  revise: (change: (f: SpecForm) => Partial<SpecForm>) => void;
}) {
  const { form, update, revise } = props;
  return (
    <div class="form">
      <label>
        Validation
        <select
          {...tid("experiment-validation")}
          value={form.validation.kind}
          onChange={(e) =>
            update({
              validation: (e.currentTarget as HTMLSelectElement).value === "holdout" ? { kind: "holdout", test_fraction: 0.2 } : { kind: "k_fold", folds: 5 },
            })
          }
        >
          <option value="k_fold">k-fold</option>
          <option value="holdout">holdout</option>
        </select>
      </label>
      {form.validation.kind === "k_fold" ? (
        <label>
          Folds
          <input type="number" min={2} value={form.validation.folds} onInput={(e) => update({ validation: { kind: "k_fold", folds: Number((e.currentTarget as HTMLInputElement).value) } })} />
        </label>
      ) : (
        <label>
          Test fraction
          <input type="number" step={0.05} min={0.05} max={0.95} value={form.validation.test_fraction} onInput={(e) => update({ validation: { kind: "holdout", test_fraction: Number((e.currentTarget as HTMLInputElement).value) } })} />
        </label>
      )}
      <label>
        Search
        <select
          {...tid("experiment-search")}
          value={form.search.kind}
          onChange={(e) => {
            const kind = (e.currentTarget as HTMLSelectElement).value;
            update({
              search:
                kind === "random"
                  ? { kind: "random", budget: 10 }
                  : kind === "tpe"
                    ? { kind: "tpe", budget: 30, startup: 10, batch: 1 }
                    : { kind: "grid" },
            });
          }}
        >
          <option value="grid">grid</option>
          <option value="random">random</option>
          <option value="tpe">TPE (Bayesian)</option>
        </select>
      </label>
      {form.search.kind === "random" && (
        <label>
          Trials
          <input type="number" min={1} value={form.search.budget} onInput={(e) => update({ search: { kind: "random", budget: Number((e.currentTarget as HTMLInputElement).value) } })} />
        </label>
      )}
      {form.search.kind === "tpe" && (
        <>
          <label>
            Trials
            <input
              type="number"
              min={1}
              value={form.search.budget}
              onInput={(e) => {
                const value = Number((e.currentTarget as HTMLInputElement).value);
                revise((f) => (f.search.kind === "tpe" ? { search: { ...f.search, budget: value } } : {}));
              }}
            />
          </label>
          <label>
            Random first (per model)
            <input
              type="number"
              min={0}
              value={form.search.startup}
              onInput={(e) => {
                const value = Number((e.currentTarget as HTMLInputElement).value);
                revise((f) => (f.search.kind === "tpe" ? { search: { ...f.search, startup: value } } : {}));
              }}
            />
          </label>
          <label title="Trials of a model suggested from the same finished trials: as many as run at once keeps every worker busy">
            Suggested together
            <input
              type="number"
              min={1}
              value={form.search.batch}
              onInput={(e) => {
                const value = Number((e.currentTarget as HTMLInputElement).value);
                revise((f) => (f.search.kind === "tpe" ? { search: { ...f.search, batch: value } } : {}));
              }}
            />
          </label>
        </>
      )}
      {form.validation.kind === "k_fold" && (
        <label title="ASHA: at rungs of 1, 3, 9… folds, a trial outside the best third of the trials there stops as pruned">
          Early stopping
          <select
            {...tid("experiment-early-stop")}
            value={form.early_stop ? "asha" : "none"}
            onChange={(e) =>
              update({
                early_stop: (e.currentTarget as HTMLSelectElement).value === "asha" ? { kind: "asha", reduction: 3, min_folds: 1 } : undefined,
              })
            }
          >
            <option value="none">none</option>
            <option value="asha">ASHA over folds</option>
          </select>
        </label>
      )}
      {form.task === "classification" && form.validation.kind === "k_fold" && (
        <label title="Binary classification: decide at the threshold chosen from out-of-fold probabilities, each fold scored at the threshold the other folds choose">
          Decision
          <select
            {...tid("experiment-threshold")}
            value={form.threshold?.metric ?? "argmax"}
            onChange={(e) => {
              const value = (e.currentTarget as HTMLSelectElement).value;
              update({
                threshold:
                  value === "f1" || value === "recall_at_precision"
                    ? { metric: value, precision: form.threshold?.precision ?? 0.9, positive: form.threshold?.positive ?? "" }
                    : undefined,
              });
            }}
          >
            <option value="argmax">most probable class</option>
            <option value="f1">threshold for the best F1</option>
            <option value="recall_at_precision">threshold for the best recall at a precision</option>
          </select>
        </label>
      )}
      {form.threshold && form.task === "classification" && form.validation.kind === "k_fold" && (
        <>
          {form.threshold.metric === "recall_at_precision" && (
            <label>
              Precision at least
              <input
                type="number"
                step="0.01"
                min={0}
                max={1}
                {...tid("experiment-threshold-precision")}
                value={form.threshold.precision ?? 0.9}
                onInput={(e) => form.threshold && update({ threshold: { ...form.threshold, precision: Number((e.currentTarget as HTMLInputElement).value) } })}
              />
            </label>
          )}
          <label title="The class the threshold is for; empty: the second label in sorted order">
            Positive class
            <input
              type="text"
              {...tid("experiment-threshold-positive")}
              placeholder="second label"
              value={form.threshold.positive ?? ""}
              onInput={(e) => form.threshold && update({ threshold: { ...form.threshold, positive: (e.currentTarget as HTMLInputElement).value } })}
            />
          </label>
        </>
      )}
      <label>
        Seed
        <input type="number" value={form.seed} onInput={(e) => update({ seed: Number((e.currentTarget as HTMLInputElement).value) })} />
      </label>
      <label>
        Parallel trials
        <input type="number" min={0} value={form.parallelism} title="0: one per core" onInput={(e) => update({ parallelism: Number((e.currentTarget as HTMLInputElement).value) })} />
      </label>
    </div>
  );
}
