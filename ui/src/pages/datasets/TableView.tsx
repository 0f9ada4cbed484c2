// The chosen dataset's rows: the virtualized table (sorted by a header
// click) under a row filter typed as conditions (body_mass_g > 4000 and
// species = Gentoo), with how many rows match, or why the filter cannot be
// read (the API's refusal, with its code).

import { useEffect, useState } from "preact/hooks";
import type { DatasetInfo, SortOrder } from "../../api/types";
import { call } from "../../api/client";
import { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";
import { DataGrid } from "../../components/DataGrid";

export function TableView(props: { dataset: DatasetInfo }) {
  const [sort, setSort] = useState<[string, SortOrder] | null>(null);
  const [total, setTotal] = useState(props.dataset.rows);
  // What is typed, and what the rows were last asked with (on Enter or a pause in typing).
  const [typed, setTyped] = useState("");
  const [filter, setFilter] = useState("");
  const [filterError, setFilterError] = useState<Failure | null>(null);
  const version = `${props.dataset.name}:${JSON.stringify(sort)}:${filter}`;
  useEffect(() => {
    setTotal(props.dataset.rows);
    setTyped("");
    setFilter("");
    setFilterError(null);
  }, [props.dataset.name]);
  useEffect(() => {
    const pause = setTimeout(() => setFilter(typed.trim()), 400);
    return () => clearTimeout(pause);
  }, [typed]);
  // A new filter starts from every row, so the grid asks for its first page
  // (with none, it would ask for nothing); the answer says how many match.
  useEffect(() => setTotal(props.dataset.rows), [filter]);
  const fetchPage = async (offset: number, limit: number) => {
    try {
      const page = await call("preview_dataset", {
        dataset: props.dataset.name,
        offset,
        limit,
        sort,
        filters: [],
        filter_text: filter,
      });
      setFilterError(null);
      if (page.total_rows !== null) setTotal(page.total_rows);
      return page.table.rows;
    } catch (e) {
      if (filter !== "") {
        setFilterError(failureOf(e));
        setTotal(0);
        return [];
      }
      throw e;
    }
  };
  const onSort = (column: string) =>
    setSort((s) => (s?.[0] !== column ? [column, "ascending"] : s[1] === "ascending" ? [column, "descending"] : null));
  return (
    <>
      <div class="row grid-tools">
        <input
          class="grow"
          {...tid("row-filter")}
          placeholder="Filter rows: body_mass_g > 4000 and species = Gentoo (= != < <= > >= ~ contains, is null)"
          value={typed}
          onInput={(e) => setTyped((e.currentTarget as HTMLInputElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") setFilter(typed.trim());
            if (e.key === "Escape") setTyped("");
          }}
        />
        {filter !== "" && filterError === null && (
          <span class="small muted" {...tid("filter-count")}>
            {total === 0 ? "no row matches" : `${total.toLocaleString("en-US")} of ${props.dataset.rows.toLocaleString("en-US")} rows`}
          </span>
        )}
      </div>
      <ApiErrorView failure={filterError} testId="filter-error" />
      <DataGrid columns={props.dataset.columns} total={total} version={version} fetchPage={fetchPage} sort={sort} onSort={onSort} />
    </>
  );
}
