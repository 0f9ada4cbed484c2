// The import dialog: a file's first rows as they will be read, with the
// dataset's name, the dialect (delimiter, quote, header, missing-value
// markers) and a type per column to change; it says when the file is
// imported already or its name is taken. Every change asks Rust again
// (`inspect_import`: the import's own reading, nothing written).

import { useEffect, useState } from "preact/hooks";
import type { ColumnKind, ImportOptions, ImportPreview } from "../../api/types";
import { call } from "../../api/client";
import { ApiErrorView, failureOf, type Failure } from "../../components/ApiError";
import { formatCell } from "../../lib/format";
import { isNumeric } from "../../lib/grid";

/** The types a column can be given. */
const KINDS: ColumnKind[] = ["integer", "float", "boolean", "text", "date", "datetime"];

const DELIMITERS: [string, string][] = [
  [",", "comma ,"],
  [";", "semicolon ;"],
  ["\\t", "tab"],
  ["|", "pipe |"],
];

/** Nothing said: everything detected. */
export const NO_OPTIONS: ImportOptions = {
  format: null,
  delimiter: null,
  quote: null,
  has_header: null,
  null_values: null,
  column_types: {},
  infer_schema_rows: null,
};

export interface ImportChoice {
  path: string;
  name: string | null;
  options: ImportOptions;
}

export function ImportDialog(props: { path: string; busy: boolean; onImport: (choice: ImportChoice) => void; onCancel: () => void }) {
  const [name, setName] = useState("");
  const [options, setOptions] = useState<ImportOptions>(NO_OPTIONS);
  const [nullsText, setNullsText] = useState<string | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [error, setError] = useState<Failure | null>(null);

  // Asked again a moment after each change (typing a name or markers is several).
  useEffect(() => {
    let current = true;
    const pause = setTimeout(() => {
      call("inspect_import", { path: props.path, name: name.trim() === "" ? null : name.trim(), options })
        .then((p) => {
          if (!current) return;
          setPreview(p);
          setError(null);
        })
        .catch((e: unknown) => current && setError(failureOf(e)));
    }, 250);
    return () => {
      current = false;
      clearTimeout(pause);
    };
  }, [props.path, name, options]);

  const source = preview?.source;
  const csv = source?.format === "csv";
  // Right-aligned as the data table aligns them.
  const numeric = source?.table.columns.map((c) => isNumeric(c.kind)) ?? [];
  const setType = (column: string, kind: string) =>
    setOptions((o) => {
      const column_types = { ...o.column_types };
      if (kind === "") delete column_types[column];
      else column_types[column] = kind as ColumnKind;
      return { ...o, column_types };
    });
  return (
    <div class="panel import-dialog" data-testid="import-dialog">
      <div class="heading">
        <h3>Import {props.path.split(/[\\/]/).pop()}</h3>
        <span class="muted small">{source ? `${source.format.toUpperCase()} · the first ${source.table.rows.length} rows as they will be read` : error ? "cannot be read" : "reading…"}</span>
      </div>
      <div class="form">
        <label>
          Name
          <input
            data-testid="import-dialog-name"
            placeholder={preview?.name ?? "the file's name"}
            value={name}
            onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        {csv && (
          <>
            <label>
              Delimiter
              <select
                data-testid="import-delimiter"
                value={options.delimiter ?? source?.delimiter ?? ","}
                onChange={(e) => setOptions((o) => ({ ...o, delimiter: (e.currentTarget as HTMLSelectElement).value }))}
              >
                {DELIMITERS.map(([value, label]) => (
                  <option value={value}>{label}</option>
                ))}
              </select>
            </label>
            <label>
              Quote
              <select
                value={options.quote ?? source?.quote ?? '"'}
                onChange={(e) => setOptions((o) => ({ ...o, quote: (e.currentTarget as HTMLSelectElement).value }))}
              >
                <option value={'"'}>double "</option>
                <option value="'">single '</option>
                <option value="">none</option>
              </select>
            </label>
            <label class="checkbox">
              <input
                type="checkbox"
                data-testid="import-header"
                checked={options.has_header ?? source?.has_header ?? true}
                onChange={(e) => setOptions((o) => ({ ...o, has_header: (e.currentTarget as HTMLInputElement).checked }))}
              />
              First row names the columns
            </label>
            <label title="Values read as missing, separated by commas">
              Missing values
              <input
                data-testid="import-nulls"
                value={nullsText ?? source?.null_values.join(", ") ?? ""}
                onInput={(e) => setNullsText((e.currentTarget as HTMLInputElement).value)}
                onBlur={() =>
                  nullsText !== null &&
                  setOptions((o) => ({
                    ...o,
                    null_values: nullsText
                      .split(",")
                      .map((v) => v.trim())
                      .filter((v, i, all) => all.indexOf(v) === i),
                  }))
                }
              />
            </label>
          </>
        )}
      </div>
      {preview?.already_imported && (
        <p class="note small" data-testid="import-known">
          This file is imported already, with these settings, as <strong>{preview.already_imported}</strong>: importing it again writes
          nothing.
        </p>
      )}
      {preview?.name_taken && (
        <p class="note small" data-testid="import-name-taken">
          A dataset named <strong>{preview.name}</strong> holds another file: {name.trim() === "" ? "this one will get a number" : "choose another name"}.
        </p>
      )}
      <ApiErrorView failure={error} testId="import-dialog-error" />
      {source && (
        <div class="scroll import-preview">
          <table class="table compact">
            <thead>
              <tr>
                {source.table.columns.map((c) => (
                  <th>
                    <div>{c.name}</div>
                    <select
                      data-testid={`import-type-${c.name}`}
                      value={options.column_types[c.name] ?? ""}
                      onChange={(e) => setType(c.name, (e.currentTarget as HTMLSelectElement).value)}
                    >
                      <option value="">{c.kind} (found)</option>
                      {KINDS.filter((k) => k !== c.kind).map((k) => (
                        <option value={k}>{k}</option>
                      ))}
                    </select>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {source.table.rows.map((row) => (
                <tr>
                  {row.map((value, i) => (
                    <td class={numeric[i] ? "num" : ""}>{formatCell(value)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="row">
        <button
          class="primary"
          data-testid="import-confirm"
          disabled={props.busy || preview === null || error !== null || (preview.name_taken && name.trim() !== "")}
          onClick={() => props.onImport({ path: props.path, name: name.trim() === "" ? null : name.trim(), options })}
        >
          {preview?.already_imported ? "Open it" : "Import"}
        </button>
        <button data-testid="import-dialog-cancel" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
