// Virtual scrolling for tables of any length: only the rows in view (and a
// margin) are rendered, and rows are fetched from Rust a page at a time and
// kept in a small cache, so the web view never holds a whole large dataset.

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
