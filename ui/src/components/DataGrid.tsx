// A virtualized table: renders only the rows in view and fetches them from
// Rust a page at a time (see lib/grid.ts), so millions of rows scroll
// smoothly and never all reach the web view.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ColumnSchema, JsonValue, SortOrder } from "../api/types";
import { PageCache, pagesFor, visibleRows } from "../lib/grid";
import { formatCell } from "../lib/format";

const ROW_HEIGHT = 26;
const PAGE_SIZE = 200;

export interface GridProps {
  columns: ColumnSchema[];
  total: number;
  /** Changes whenever the rows behind the grid change (dataset, sort, filters). */
  version: string;
  fetchPage: (offset: number, limit: number) => Promise<JsonValue[][]>;
  sort: [string, SortOrder] | null;
  onSort?: (column: string) => void;
  height?: number;
}

export function DataGrid(props: GridProps) {
  const viewport = useRef<HTMLDivElement>(null);
  const cache = useMemo(() => new PageCache<JsonValue[]>(20), [props.version]);
  const [scrollTop, setScrollTop] = useState(0);
  const [, setLoaded] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const height = props.height ?? 420;
  const range = visibleRows(scrollTop, height, ROW_HEIGHT, props.total);

  useEffect(() => {
    if (viewport.current) viewport.current.scrollTop = 0;
    setScrollTop(0);
  }, [props.version]);

  // A page that arrives after the view has moved on is drawn all the same: it may still
  // be in view, and no other fetch will ask for it.
  useEffect(() => {
    for (const page of pagesFor(range, PAGE_SIZE)) {
      if (cache.has(page)) continue;
      cache.set(page, []);
      props
        .fetchPage(page * PAGE_SIZE, PAGE_SIZE)
        .then((rows) => {
          cache.set(page, rows);
          setLoaded((n) => n + 1);
        })
        .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    }
  }, [range.first, range.last, props.version]);

  const rows = [];
  for (let i = range.first; i < range.last; i++) {
    const page = cache.get(Math.floor(i / PAGE_SIZE));
    const row = page?.[i % PAGE_SIZE];
    rows.push(
      <div class="grid-row" key={i} style={{ top: `${i * ROW_HEIGHT}px`, height: `${ROW_HEIGHT}px` }}>
        <span class="grid-cell grid-index">{i + 1}</span>
        {props.columns.map((_, c) => (
          <span class="grid-cell">{row ? formatCell(row[c]) : "…"}</span>
        ))}
      </div>,
    );
  }
  const arrow = (name: string) => (props.sort?.[0] === name ? (props.sort[1] === "ascending" ? " ▲" : " ▼") : "");
  return (
    <div class="grid" data-testid="data-grid">
      <div class="grid-row grid-header">
        <span class="grid-cell grid-index">#</span>
        {props.columns.map((column) => (
          <span class="grid-cell" title={`${column.name}: ${column.data_type}`} onClick={() => props.onSort?.(column.name)}>
            {column.name}
            {arrow(column.name)}
          </span>
        ))}
      </div>
      <div
        class="grid-viewport"
        ref={viewport}
        style={{ height: `${height}px` }}
        onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
      >
        <div style={{ height: `${props.total * ROW_HEIGHT}px`, position: "relative" }}>{rows}</div>
      </div>
      <div class="grid-footer">
        {props.total.toLocaleString("en-US")} rows{error ? ` · ${error}` : ""}
      </div>
    </div>
  );
}
