// The project's experiments: each with its runs and when it
// was made, and a way to its vendor evaluations and comparison.

import type { ExperimentInfo } from "../../api/types";

export function ExperimentList(props: { experiments: ExperimentInfo[]; onShowVendors?: (experiment: number) => void }) {
  return (
    <>
      <h2>Experiments</h2>
      <ul class="list">
        {props.experiments.map((e) => (
          <li>
            <strong>
              {e.id}. {e.name}
            </strong>
            <span class="muted small">
              {e.runs} runs · {e.created_at.slice(0, 16).replace("T", " ")}
              {props.onShowVendors && (
                <>
                  {" · "}
                  <button class="link small" data-testid={`experiment-vendors-${e.id}`} onClick={() => props.onShowVendors?.(e.id)}>
                    vendors &amp; compare
                  </button>
                </>
              )}
            </span>
          </li>
        ))}
        {props.experiments.length === 0 && <li class="muted">None yet.</li>}
      </ul>
    </>
  );
}
