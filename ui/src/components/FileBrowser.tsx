// Choosing a file or a folder where there is no native dialog (the UI served
// over HTTP): the folders the server may use, listed through `list_folder`,
// so a browser can only pick what the server would accept.

import { useEffect, useState } from "preact/hooks";
import type { FolderListing } from "../api/types";
import { call } from "../api/client";
import { formatBytes } from "../lib/format";

/** The files a dataset import reads, by extension. */
const DATA_FILE = /\.(csv|tsv|txt|parquet|json|ndjson|jsonl)$/i;

export function FileBrowser(props: {
  /** A data file to import, or a folder (a project's). */
  pick: "file" | "folder";
  onPick: (path: string) => void;
  onClose: () => void;
}) {
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [error, setError] = useState<string | null>(null);

  const show = async (path: string | null) => {
    setError(null);
    try {
      setListing(await call("list_folder", { path }));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  useEffect(() => void show(null), []);

  const entries = listing?.entries ?? [];
  const shown = props.pick === "folder" ? entries.filter((e) => e.folder) : entries;
  return (
    <div class="file-browser panel" data-testid="file-browser">
      <div class="row">
        <strong class="grow path">{listing?.path ?? "Folders this server may use"}</strong>
        <button onClick={props.onClose}>Close</button>
      </div>
      <div class="row">
        {listing?.path != null && (
          <button data-testid="browse-up" onClick={() => void show(listing.parent ?? null)}>
            {listing.parent != null ? "Up" : "All folders"}
          </button>
        )}
        {props.pick === "folder" && listing?.path != null && (
          <button class="primary" data-testid="browse-choose" onClick={() => props.onPick(listing.path ?? "")}>
            Choose this folder
          </button>
        )}
      </div>
      {error && <p class="error">{error}</p>}
      <ul class="entries">
        {shown.map((entry) => {
          const usable = entry.folder || DATA_FILE.test(entry.name);
          return (
            <li>
              <button
                class="link"
                data-testid={`browse-entry-${entry.name}`}
                disabled={!usable}
                onClick={() => (entry.folder ? void show(entry.path) : props.onPick(entry.path))}
              >
                {entry.folder ? `${entry.name}/` : entry.name}
              </button>
              {entry.bytes !== null && <span class="muted small"> {formatBytes(entry.bytes)}</span>}
            </li>
          );
        })}
        {listing !== null && shown.length === 0 && <li class="muted">Nothing here.</li>}
      </ul>
      {listing?.truncated && <p class="muted small">More entries than shown: type the path instead.</p>}
    </div>
  );
}
