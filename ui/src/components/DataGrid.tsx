// A virtualized table: renders only the rows in view and fetches them from
// Rust a page at a time (see lib/grid.ts), so millions of rows scroll
// smoothly and never all reach the web view. The header scrolls sideways
// with the rows (it sits inside the scrolling view, stuck to its top),
// columns have widths of their own that a drag on a header's edge changes,
// numbers are right-aligned, and a clicked cell shows its whole value. Only
// the columns in view are drawn too (a spacer keeps the room of those to the
// left), so a 200-column table scrolls sideways as smoothly as a narrow one. With
// the table focused, arrow keys (Page, Home and End too) move the chosen
// cell and keep it in view.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ColumnSchema, JsonValue, SortOrder } from "../api/types";
import { PageCache, columnWidth, fillHeight, indexWidth, isNumeric, pagesFor, revealed, visibleColumns, visibleRows } from "../lib/grid";
import { formatCell } from "../lib/format";
import { nextIndex } from "../lib/keys";

const ROW_HEIGHT = 26;
const HEADER_HEIGHT = 28;
const PAGE_SIZE = 200;

export interface GridProps {
  columns: ColumnSchema[];
  total: number;
  /** Changes whenever the rows behind the grid change (dataset, sort, filters). */
  version: string;
  fetchPage: (offset: number, limit: number) => Promise<JsonValue[][]>;
  sort: [string, SortOrder] | null;
  onSort?: (column: string) => void;
  /** A fixed height; without it the grid fills the window below its top. */
  height?: number;
}

export function DataGrid(props: GridProps) {
  const viewport = useRef<HTMLDivElement>(null);
  const cache = useMemo(() => new PageCache<JsonValue[]>(20), [props.version]);
  const [scrollTop, setScrollTop] = useState(0);
  // Which columns are drawn is read from the view's scroll position; this only
  // marks when that changes (a column entering or leaving the margin), so a
  // sideways scroll draws the grid again then, not at every pixel.
  const [, setDrawnColumns] = useState("");
  const [viewWidth, setViewWidth] = useState(1200);
  const [, setLoaded] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const columnsKey = props.columns.map((c) => c.name).join("\u0000");
  const [widths, setWidths] = useState<number[]>(() => props.columns.map(columnWidth));
  useEffect(() => setWidths(props.columns.map(columnWidth)), [columnsKey]);
  const [selected, setSelected] = useState<{ row: number; column: number } | null>(null);
  const [fitted, setFitted] = useState(420);
  const height = props.height ?? fitted;

  useLayoutEffect(() => {
    if (props.height !== undefined) return;
    const fit = () => {
      const top = viewport.current?.getBoundingClientRect().top ?? 0;
      setFitted(fillHeight(window.innerHeight, top));
    };
    fit();
    window.addEventListener("resize", fit);
    return () => window.removeEventListener("resize", fit);
  }, [props.height]);

  useLayoutEffect(() => {
    const measure = () => setViewWidth(viewport.current?.clientWidth ?? 1200);
    measure();
    window.addEventListener("resize", measure);
    return () => window.removeEventListener("resize", measure);
  }, []);

  const range = visibleRows(Math.max(0, scrollTop - HEADER_HEIGHT), height, ROW_HEIGHT, props.total);

  useEffect(() => {
    if (viewport.current) viewport.current.scrollTop = 0;
    setScrollTop(0);
    setSelected(null);
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

  const numeric = props.columns.map((c) => isNumeric(c.kind));
  const index = indexWidth(props.total);
  const width = index + widths.reduce((sum, w) => sum + w, 0);
  const cellStyle = (c: number) => ({ flex: `0 0 ${widths[c] ?? 110}px` });
  const rowAt = (i: number) => cache.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];
  const drawn = visibleColumns(widths, viewport.current?.scrollLeft ?? 0, viewWidth, index);
  const shown: number[] = [];
  for (let c = drawn.first; c < drawn.last; c++) shown.push(c);
  const spacer = drawn.before > 0 ? <span class="grid-spacer" style={{ flex: `0 0 ${drawn.before}px` }} /> : null;

  const rows = [];
  for (let i = range.first; i < range.last; i++) {
    const row = rowAt(i);
    rows.push(
      <div class="grid-row" key={i} style={{ top: `${i * ROW_HEIGHT}px`, height: `${ROW_HEIGHT}px`, width: `${width}px` }}>
        <span class="grid-cell grid-index" style={{ flex: `0 0 ${index}px` }}>
          {i + 1}
        </span>
        {spacer}
        {shown.map((c) => {
          const text = row ? formatCell(row[c]) : "…";
          const isSelected = selected?.row === i && selected.column === c;
          return (
            <span
              key={c}
              class={`grid-cell${numeric[c] ? " num" : ""}${isSelected ? " chosen" : ""}`}
              style={cellStyle(c)}
              title={text.length > 12 ? text : undefined}
              onClick={() => setSelected({ row: i, column: c })}
            >
              {text}
            </span>
          );
        })}
      </div>,
    );
  }

  const startResize = (c: number) => (e: PointerEvent) => {
    e.stopPropagation();
    e.preventDefault();
    const startX = e.clientX;
    const startWidth = widths[c] ?? 110;
    const move = (m: PointerEvent) => {
      const next = Math.max(48, Math.round(startWidth + m.clientX - startX));
      setWidths((ws) => ws.map((w, k) => (k === c ? next : w)));
    };
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  };

  const onKey = (event: KeyboardEvent) => {
    if (event.altKey || event.ctrlKey || event.metaKey || props.total === 0 || props.columns.length === 0) return;
    const at = selected ?? { row: range.first, column: 0 };
    let next = at;
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      next = { ...at, column: Math.min(props.columns.length - 1, Math.max(0, at.column + (event.key === "ArrowLeft" ? -1 : 1))) };
    } else {
      const row = nextIndex(event.key, selected ? at.row : null, props.total);
      if (row === null) return;
      next = { ...at, row };
    }
    event.preventDefault();
    setSelected(next);
    const view = viewport.current;
    if (!view) return;
    const left = index + widths.slice(0, next.column).reduce((sum, w) => sum + w, 0);
    view.scrollLeft = revealed(view.scrollLeft, view.clientWidth, left, widths[next.column] ?? 110, index);
    view.scrollTop = revealed(view.scrollTop, view.clientHeight, HEADER_HEIGHT + next.row * ROW_HEIGHT, ROW_HEIGHT, HEADER_HEIGHT);
  };

  const arrow = (name: string) => (props.sort?.[0] === name ? (props.sort[1] === "ascending" ? "▲" : "▼") : "");
  const chosen = selected ? rowAt(selected.row) : undefined;
  const chosenColumn = selected ? props.columns[selected.column] : undefined;
  return (
    <div class="grid data" data-testid="data-grid">
      <div
        class="grid-viewport"
        ref={viewport}
        style={{ height: `${height}px` }}
        tabIndex={0}
        onKeyDown={onKey}
        onScroll={(e) => {
          const view = e.currentTarget as HTMLDivElement;
          setScrollTop(view.scrollTop);
          const next = visibleColumns(widths, view.scrollLeft, viewWidth, index);
          setDrawnColumns(`${next.first}-${next.last}`);
        }}
      >
        <div class="grid-row grid-header" style={{ width: `${width}px` }}>
          <span class="grid-cell grid-index" style={{ flex: `0 0 ${index}px` }}>
            #
          </span>
          {spacer}
          {shown.map((c) => {
            const column = props.columns[c];
            if (!column) return null;
            return (
            <span
              key={column.name}
              class={`grid-cell grid-head${numeric[c] ? " num" : ""}`}
              style={cellStyle(c)}
              title={`${column.name}: ${column.data_type}${props.onSort ? " (click to sort)" : ""}`}
              data-column={column.name}
              onClick={() => props.onSort?.(column.name)}
            >
              <span class="grid-name">{column.name}</span>
              <span class="grid-sort">{arrow(column.name)}</span>
              <span class="grid-resize" title="Drag to resize" onPointerDown={startResize(c)} onClick={(e) => e.stopPropagation()} />
            </span>
            );
          })}
        </div>
        <div style={{ height: `${props.total * ROW_HEIGHT}px`, width: `${width}px`, position: "relative" }}>{rows}</div>
      </div>
      {selected && chosenColumn && (
        <div class="grid-value" data-testid="cell-value">
          <span class="muted">
            row {selected.row + 1} · {chosenColumn.name}
          </span>
          <span class="grid-value-text">{chosen ? formatCell(chosen[selected.column]) : "…"}</span>
          <button class="link" onClick={() => setSelected(null)}>
            Close
          </button>
        </div>
      )}
      <div class="grid-footer">
        {props.total.toLocaleString("en-US")} rows{error ? ` · ${error}` : ""}
      </div>
    </div>
  );
}
