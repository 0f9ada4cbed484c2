// The experiment a part of a page works on, chosen from the project's
// experiments (numbered and named, with the dataset each learns from):
// one control for every page that asks.

import type { ExperimentInfo } from "../api/types";
import { tid } from "./ApiError";

export function ExperimentSelect(props: {
  experiments: ExperimentInfo[];
  value: number | null;
  onChange: (experiment: number | null) => void;
  /** The test id (and element id) of the select. */
  testId: string;
}) {
  return (
    <select {...tid(props.testId)} value={props.value ?? ""} onChange={(e) => props.onChange(e.currentTarget.value === "" ? null : Number(e.currentTarget.value))}>
      <option value="">choose…</option>
      {props.experiments.map((x) => (
        <option value={x.id}>
          {x.id}. {x.name}
          {x.dataset ? ` (${x.dataset})` : ""}
        </option>
      ))}
    </select>
  );
}
