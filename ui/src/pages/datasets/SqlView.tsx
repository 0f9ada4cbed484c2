// The SQL tab: a query over every dataset of the project
// (`query_datasets`), run with Ctrl-Enter, its first rows as a table.

import { useState } from "preact/hooks";
import type { QueryOutput } from "../../api/types";
import { call } from "../../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";
import { formatCell } from "../../lib/format";

export function SqlView(props: { dataset: string }) {
  const [sql, setSql] = useState(`SELECT * FROM "${props.dataset}" LIMIT 100`);
  const [result, setResult] = useState<QueryOutput | null>(null);
  const [error, setError] = useState<Failure | null>(null);
  const run = async () => {
    setError(null);
    try {
      setResult(await call("query_datasets", { sql, limit: 1000 }));
    } catch (e) {
      setResult(null);
      setError(failureOf(e));
    }
  };
  return (
    <div class="sql">
      <textarea
        {...tid("sql")}
        rows={4}
        value={sql}
        onInput={(e) => setSql((e.currentTarget as HTMLTextAreaElement).value)}
        onKeyDown={(e) => e.ctrlKey && e.key === "Enter" && void run()}
      />
      <button class="primary" {...tid("run-sql")} onClick={() => void run()}>
        Run (Ctrl-Enter)
      </button>
      <ApiErrorView failure={error} testId="sql-error" />
      {result && (
        <>
          <p class="muted small">
            {result.table.rows.length} rows{result.truncated ? " (cut at the limit)" : ""}
          </p>
          <div class="scroll">
            <table class="table compact" {...tid("sql-result")}>
              <thead>
                <tr>
                  {result.table.columns.map((c) => (
                    <th>{c.name}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {result.table.rows.map((row) => (
                  <tr>
                    {row.map((v) => (
                      <td>{formatCell(v)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
