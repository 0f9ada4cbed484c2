// The project's studies — specs that run the same models over several
// datasets — listed; one chosen shows its models ranked across them.

import { useEffect, useState } from "preact/hooks";
import type { DatasetComparison } from "../../api/types";
import { call } from "../../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";
import { StudyComparison } from "../../components/StudyComparison";

/** The project's studies (specs with [[datasets]]): pick one to see its
 * models ranked across its datasets. */
export function Studies(props: { refresh: number }) {
  const [studies, setStudies] = useState<string[]>([]);
  const [shown, setShown] = useState<DatasetComparison | null>(null);
  const [error, setError] = useState<Failure | null>(null);
  useEffect(() => {
    call("list_studies", {})
      .then(setStudies)
      .catch((e: unknown) => setError(failureOf(e)));
  }, [props.refresh]);
  if (studies.length === 0 && !error) return null;
  const show = (study: string) =>
    call("compare_datasets", { study })
      .then((c) => {
        setShown(c);
        setError(null);
      })
      .catch((e: unknown) => setError(failureOf(e)));
  return (
    <div {...tid("studies")}>
      <h2>Across datasets</h2>
      <ul class="list">
        {studies.map((study) => (
          <li>
            <button class="link" data-testid={`study-${study}`} onClick={() => void show(study)}>
              {study}
            </button>
          </li>
        ))}
      </ul>
      <ApiErrorView failure={error} testId="studies-error" />
      {shown && <StudyComparison comparison={shown} />}
    </div>
  );
}
