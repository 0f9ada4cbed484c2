// The runs table's metric columns, chosen from the metrics of the runs read
// so far: the leading one (also what picks the best of several selected
// runs to register) and any others beside it.

import { tid } from "../../components/ApiError";

export function MetricColumns(props: {
  /** Every metric of the runs read so far. */
  known: string[];
  metric: string | undefined;
  onMetric: (metric: string | undefined) => void;
  more: string[];
  onMore: (update: (list: string[]) => string[]) => void;
}) {
  const { known, metric, more } = props;
  return (
    <details class="columns-menu" {...tid("runs-columns")}>
      <summary>Metrics</summary>
      <div class="menu">
        <label class="small">
          Leading{" "}
          <select {...tid("runs-metric")} value={metric ?? ""} onChange={(e) => props.onMetric((e.currentTarget as HTMLSelectElement).value || undefined)}>
            {known.map((m) => (
              <option value={m}>{m}</option>
            ))}
          </select>
        </label>
        {known
          .filter((m) => m !== metric)
          .map((m) => (
            <label class="small check">
              <input
                type="checkbox"
                data-testid={`runs-column-${m}`}
                checked={more.includes(m)}
                onChange={(e) => {
                  const on = (e.currentTarget as HTMLInputElement).checked;
                  props.onMore((list) => (on ? [...list.filter((x) => x !== m), m] : list.filter((x) => x !== m)));
                }}
              />{" "}
              {m}
            </label>
          ))}
      </div>
    </details>
  );
}
