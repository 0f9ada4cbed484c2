// Virtual scrolling for tables of any length: only the rows in view (and a
// margin) are rendered, and rows are fetched from Rust a page at a time and
// kept in a small cache, so the web view never holds a whole large dataset.

import type { ColumnKind, ColumnSchema } from "../api/types";

export interface RowWindow {
  /** First row to render. */
  first: number;
  /** One past the last row to render. */
  last: number;
}

/** Rows visible at `scrollTop` in a viewport `height` pixels tall, with `margin` rows either side. */
export function visibleRows(scrollTop: number, height: number, rowHeight: number, total: number, margin = 10): RowWindow {
  if (total <= 0 || rowHeight <= 0) return { first: 0, last: 0 };
  const top = Math.max(0, Math.floor(scrollTop / rowHeight) - margin);
  const bottom = Math.min(total, Math.ceil((scrollTop + height) / rowHeight) + margin);
  return { first: Math.min(top, total), last: Math.max(bottom, Math.min(top, total)) };
}

/** The page indices covering rows `first..last` with pages of `pageSize` rows. */
export function pagesFor(window: RowWindow, pageSize: number): number[] {
  if (window.last <= window.first) return [];
  const pages: number[] = [];
  for (let p = Math.floor(window.first / pageSize); p <= Math.floor((window.last - 1) / pageSize); p++) {
    pages.push(p);
  }
  return pages;
}

/** Pages of rows by index, keeping the `capacity` most recently used. */
export class PageCache<Row> {
  private pages = new Map<number, Row[]>();
  constructor(private readonly capacity: number) {}

  get(page: number): Row[] | undefined {
    const rows = this.pages.get(page);
    if (rows) {
      this.pages.delete(page);
      this.pages.set(page, rows);
    }
    return rows;
  }

  set(page: number, rows: Row[]): void {
    this.pages.delete(page);
    this.pages.set(page, rows);
    while (this.pages.size > this.capacity) {
      const oldest = this.pages.keys().next().value;
      if (oldest === undefined) break;
      this.pages.delete(oldest);
    }
  }

  has(page: number): boolean {
    return this.pages.has(page);
  }

  get size(): number {
    return this.pages.size;
  }

  clear(): void {
    this.pages.clear();
  }
}

/** Kinds of column shown right-aligned, as numbers are. */
export function isNumeric(kind: ColumnKind): boolean {
  return kind === "integer" || kind === "float" || kind === "duration";
}

/** A column's starting width in pixels: room for its name and sort arrow, within bounds by kind. */
export function columnWidth(column: Pick<ColumnSchema, "name" | "kind">): number {
  const byName = 7.5 * column.name.length + 34;
  const [least, most] = isNumeric(column.kind) ? [80, 200] : column.kind === "text" ? [110, 280] : [90, 220];
  return Math.round(Math.min(most, Math.max(least, byName)));
}

/** Width of the row-number column: every digit of the last row's number fits. */
export function indexWidth(total: number): number {
  const digits = String(Math.max(1, Math.floor(total))).length;
  return Math.max(36, 8 * digits + 18);
}

/** A grid's height that fills the window below `top`, leaving room for its footer. */
export function fillHeight(windowHeight: number, top: number, below = 64, least = 200): number {
  return Math.max(least, Math.floor(windowHeight - top - below));
}

/**
 * The scroll offset that shows an item spanning [start, start + size) in a
 * view `view` long scrolled to `scroll`, moving as little as possible; `stuck`
 * is what a sticky header (or index column) covers at the view's start.
 */
export function revealed(scroll: number, view: number, start: number, size: number, stuck = 0): number {
  if (start - stuck < scroll) return Math.max(0, start - stuck);
  if (start + size > scroll + view) return start + size - view;
  return scroll;
}

export interface ColumnWindow {
  /** First column to render. */
  first: number;
  /** One past the last column to render. */
  last: number;
  /** Pixels the columns before `first` take: the room left empty at the row's start. */
  before: number;
}

/**
 * Columns of `widths` pixels each (after a `stuck` index column) that a view
 * `view` pixels wide shows scrolled `scrollLeft` to the right, with `margin`
 * pixels either side, so a wide table draws a dozen cells a row, not hundreds.
 */
export function visibleColumns(widths: number[], scrollLeft: number, view: number, stuck: number, margin = 300): ColumnWindow {
  const from = scrollLeft - margin;
  const to = scrollLeft + view + margin;
  let left = stuck;
  let first = widths.length;
  let before = 0;
  for (const [c, w] of widths.entries()) {
    if (left + w > from) {
      first = c;
      before = left - stuck;
      break;
    }
    left += w;
  }
  let last = first;
  while (last < widths.length && left < to) {
    left += widths[last] ?? 0;
    last++;
  }
  return { first, last, before };
}
