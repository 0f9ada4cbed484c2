// Keyboard navigation of a list of items, one of them selected: which item
// the arrow, Home/End and Page keys move to, and a keydown handler for the
// list element that selects it and keeps it in view.

/** How many items PageUp and PageDown move by. */
export const PAGE_STEP = 10;

/**
 * The index `key` moves the selection to in a list of `count` items, from
 * `current` (null when nothing is selected): ArrowDown/ArrowUp by one,
 * PageDown/PageUp by PAGE_STEP, Home/End to either end, always within the
 * list. With nothing selected, the keys that move down start at the first
 * item and those that move up at the last. Null when the list is empty or
 * the key is not one of these.
 */
export function nextIndex(key: string, current: number | null, count: number): number | null {
  if (count <= 0) return null;
  const last = count - 1;
  const within = (index: number) => Math.min(last, Math.max(0, index));
  const by = (step: number) => (current === null ? (step > 0 ? 0 : last) : within(current + step));
  switch (key) {
    case "ArrowDown":
      return by(1);
    case "ArrowUp":
      return by(-1);
    case "PageDown":
      return by(PAGE_STEP);
    case "PageUp":
      return by(-PAGE_STEP);
    case "Home":
      return 0;
    case "End":
      return last;
    default:
      return null;
  }
}

/**
 * A keydown handler for a focusable list whose children are its `count`
 * items, in order: a navigation key (see `nextIndex`) selects the item it
 * moves to through `select`, scrolls that item into view and does not also
 * scroll the page. Keys held with Alt, Ctrl or Meta are left to the browser.
 */
export function listKeyHandler(count: number, current: number | null, select: (index: number) => void): (event: KeyboardEvent) => void {
  return (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const next = nextIndex(event.key, current, count);
    if (next === null) return;
    event.preventDefault();
    if (next !== current) select(next);
    const list = event.currentTarget;
    if (list instanceof Element) list.children[next]?.scrollIntoView({ block: "nearest" });
  };
}
