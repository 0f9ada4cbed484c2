// Whether the system asks for a dark theme. The stylesheet follows it by
// itself (prefers-color-scheme); what it cannot reach, the charts drawn on a
// canvas, asks here.

import { useEffect, useState } from "preact/hooks";

const DARK_QUERY = "(prefers-color-scheme: dark)";

/** The system's colour-scheme query, or null where there is no window to ask (tests). */
function darkQuery(): MediaQueryList | null {
  return typeof window !== "undefined" && typeof window.matchMedia === "function" ? window.matchMedia(DARK_QUERY) : null;
}

/** Whether the system prefers a dark theme now. */
export function prefersDark(): boolean {
  return darkQuery()?.matches ?? false;
}

/** Whether the system prefers a dark theme, re-rendering the component when that changes. */
export function usePrefersDark(): boolean {
  const [dark, setDark] = useState(prefersDark);
  useEffect(() => {
    const query = darkQuery();
    if (!query) return;
    const update = () => setDark(query.matches);
    // It may have changed between the first render and now.
    update();
    query.addEventListener("change", update);
    return () => query.removeEventListener("change", update);
  }, []);
  return dark;
}
