// Where a saved chart or table went. In the desktop app a save is a
// download the shell puts in the Downloads folder; it says where (or that
// it failed) with a `datalab://saved` event, shown here for a few seconds.
// A browser shows its own downloads, so there this shows nothing.

import { useEffect, useState } from "preact/hooks";
import { inDesktopApp } from "../api/client";

type Saved = { path: string | null; success: boolean };

const SHOWN_MS = 8_000;

export function SavedNotice() {
  const [saved, setSaved] = useState<Saved | null>(null);
  useEffect(() => {
    if (!inDesktopApp()) return;
    let stop: (() => void) | undefined;
    let gone = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    void import("@tauri-apps/api/event").then(({ listen }) =>
      listen<Saved>("datalab://saved", (e) => {
        setSaved(e.payload);
        clearTimeout(timer);
        timer = setTimeout(() => setSaved(null), SHOWN_MS);
      }).then((unlisten) => {
        if (gone) unlisten();
        else stop = unlisten;
      }),
    );
    return () => {
      gone = true;
      clearTimeout(timer);
      stop?.();
    };
  }, []);
  if (!saved) return null;
  return (
    <div class="saved-notice small" data-testid="saved-notice" data-path={saved.path ?? ""} data-success={String(saved.success)}>
      {saved.success ? (
        <>
          Saved to <code>{saved.path ?? "your Downloads folder"}</code>
        </>
      ) : (
        <span class="error">The file could not be saved{saved.path ? ` to ${saved.path}` : ""}.</span>
      )}{" "}
      <button class="link" onClick={() => setSaved(null)}>
        ×
      </button>
    </div>
  );
}
