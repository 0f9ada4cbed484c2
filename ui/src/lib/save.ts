// Saving what the page shows as a file: tables as CSV (RFC 4180), charts as
// PNG or SVG. The file is handed over as a download: a browser saves it as
// it saves any download, the desktop app puts it in the Downloads folder
// and says where (a `datalab://saved` event).

/** A cell as CSV writes it: numbers in full, text quoted when it must be. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A table as CSV: a header line, then one line per row, lines ended by CRLF. */
export function toCsv(header: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/** A file name from what a person would call the thing: letters, digits, - and _ kept. */
export function fileName(base: string, extension: string): string {
  const stem = base
    .trim()
    .replace(/[^\p{L}\p{N}_-]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80);
  return `${stem === "" ? "data-lab" : stem}.${extension}`;
}

/** Hands `blob` over as a download named `name`. */
export function saveBlob(name: string, blob: Blob): void {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.style.display = "none";
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The download has read the blob by then.
  window.setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

/** Saves a table as CSV (with a byte-order mark, so spreadsheets read UTF-8 as such). */
export function saveCsv(name: string, header: string[], rows: (string | number | boolean | null | undefined)[][]): void {
  saveBlob(fileName(name, "csv"), new Blob(["\uFEFF", toCsv(header, rows)], { type: "text/csv;charset=utf-8" }));
}

/** A `data:` URL's bytes as a blob. */
export function dataUrlBlob(url: string): Blob {
  const [head = "", body = ""] = url.split(",", 2);
  const type = /^data:([^;,]+)/.exec(head)?.[1] ?? "application/octet-stream";
  if (head.endsWith(";base64")) {
    const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
    return new Blob([bytes], { type });
  }
  return new Blob([decodeURIComponent(body)], { type });
}
