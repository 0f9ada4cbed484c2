// A study's models × datasets: each model's best finished trial per dataset
// with its rank there, the mean ranks, the Friedman test, and the
// critical-difference diagram.

import type { DatasetComparison } from "../api/types";
import { formatNumber } from "../lib/format";
import { byRank, cliques } from "../lib/studies";

export function StudyComparison(props: { comparison: DatasetComparison }) {
  const c = props.comparison;
  const test = c.test;
  let used = 0;
  return (
    <div data-testid="study-comparison">
      <h3>
        {c.study}: {c.metric} ({c.higher_is_better ? "higher is better" : "lower is better"})
      </h3>
      <div class="scroll-x">
        <table class="table compact" data-testid="study-table">
          <thead>
            <tr>
              <th>dataset</th>
              {c.models.map((m) => (
                <th>{m}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {c.datasets.map((d, row) => {
              const scores = c.scores[row] ?? [];
              const complete = scores.every((s) => s !== null);
              const ranks = complete && test ? test.ranks[used++] : undefined;
              return (
                <tr>
                  <td>{d.name}</td>
                  {scores.map((s, i) => (
                    <td title={ranks ? `rank ${ranks[i]}` : "no finished trial on every model: left out of the test"}>
                      {s === null ? "–" : formatNumber(s)}
                      {ranks && <span class="muted small"> ({ranks[i]})</span>}
                    </td>
                  ))}
                </tr>
              );
            })}
            {test && (
              <tr data-testid="study-mean-ranks">
                <th>mean rank</th>
                {test.mean_ranks.map((r) => (
                  <th>{r.toFixed(3)}</th>
                ))}
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {test ? (
        <>
          <p data-testid="study-test">
            Friedman over {test.datasets_used} datasets: χ² = {test.friedman_chi2.toFixed(3)}, p = {test.friedman_p.toFixed(4)}; Iman–Davenport F ={" "}
            {Number.isFinite(test.iman_davenport_f) ? test.iman_davenport_f.toFixed(3) : "∞"}, p = {test.iman_davenport_p.toFixed(4)}. Nemenyi critical difference at α ={" "}
            {test.alpha}: {test.critical_difference.toFixed(3)}.
          </p>
          <CriticalDifference models={c.models} meanRanks={test.mean_ranks} cd={test.critical_difference} />
        </>
      ) : null}
      {c.note && <p class="muted small">{c.note}</p>}
    </div>
  );
}

/** Demšar's diagram: the rank axis (1 best, at the left), each model at its
 * mean rank, a bar over the models the test cannot tell apart, and the CD. */
function CriticalDifference(props: { models: string[]; meanRanks: number[]; cd: number }) {
  const sorted = byRank(props.models, props.meanRanks);
  const k = props.models.length;
  const width = 560;
  const left = 150;
  const right = width - 150;
  const x = (rank: number) => left + ((rank - 1) / Math.max(1, k - 1)) * (right - left);
  const axisY = 46;
  const bars = cliques(sorted, props.cd);
  const labelY = (i: number) => axisY + 30 + bars.length * 8 + Math.floor(i / 2) * 18;
  const height = labelY(k) + 10;
  return (
    <svg
      class="cd-diagram"
      data-testid="cd-diagram"
      data-cliques={bars.length}
      width="100%"
      style={{ maxWidth: `${width}px` }}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label="critical difference diagram"
    >
      {/* The CD as a length on the rank axis, cut at its end when it is longer. */}
      <line x1={x(1)} x2={Math.min(x(k), x(1) + (props.cd / Math.max(1, k - 1)) * (right - left))} y1={14} y2={14} class="cd-length" stroke-width={2} />
      <text x={x(1)} y={10} font-size={11} class="cd-length">
        CD = {props.cd.toFixed(2)}
      </text>
      <line x1={x(1)} x2={x(k)} y1={axisY} y2={axisY} class="cd-axis" />
      {Array.from({ length: k }, (_, i) => (
        <g>
          <line x1={x(i + 1)} x2={x(i + 1)} y1={axisY - 5} y2={axisY} class="cd-axis" />
          <text x={x(i + 1)} y={axisY - 8} font-size={11} text-anchor="middle">
            {i + 1}
          </text>
        </g>
      ))}
      {bars.map((b, i) => (
        <line x1={x(sorted[b.from]?.rank ?? 1) - 3} x2={x(sorted[b.to]?.rank ?? 1) + 3} y1={axisY + 10 + i * 8} y2={axisY + 10 + i * 8} class="cd-clique" stroke-width={3} />
      ))}
      {sorted.map((m, i) => {
        // The better half is labelled on the left, the rest on the right.
        const onLeft = i < Math.ceil(k / 2);
        const y = labelY(onLeft ? i * 2 : (k - 1 - i) * 2);
        const edge = onLeft ? left - 10 : right + 10;
        return (
          <g>
            <polyline points={`${x(m.rank)},${axisY} ${x(m.rank)},${y} ${edge},${y}`} fill="none" class="cd-leader" />
            <text x={onLeft ? edge - 4 : edge + 4} y={y + 4} font-size={11} text-anchor={onLeft ? "end" : "start"}>
              {m.model} ({m.rank.toFixed(2)})
            </text>
          </g>
        );
      })}
    </svg>
  );
}
