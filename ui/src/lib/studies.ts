// A study's critical-difference diagram (Demšar 2006, figure 1): models on an
// axis of mean ranks, and bars joining the groups of models whose mean ranks
// differ by less than the critical difference (the test cannot tell them apart).

/** A model at its mean rank. */
export interface RankedModel {
  model: string;
  rank: number;
}

/** A bar: models `from`..`to` (indices into the models sorted by rank) the test cannot separate. */
export interface Clique {
  from: number;
  to: number;
}

/** The models sorted by mean rank (best first). */
export function byRank(models: string[], meanRanks: number[]): RankedModel[] {
  return models.map((model, i) => ({ model, rank: meanRanks[i] ?? Number.NaN })).sort((a, b) => a.rank - b.rank);
}

/**
 * The maximal runs of rank-sorted models whose first and last differ by less
 * than `cd`: each is a bar of the diagram; a run inside another is not drawn.
 */
export function cliques(sorted: RankedModel[], cd: number): Clique[] {
  const runs: Clique[] = [];
  const rank = (i: number) => sorted[i]?.rank ?? Number.NaN;
  for (let from = 0; from < sorted.length; from++) {
    let to = from;
    while (to + 1 < sorted.length && rank(to + 1) - rank(from) < cd) to++;
    if (to > from && !runs.some((r) => r.from <= from && r.to >= to)) runs.push({ from, to });
  }
  return runs;
}
