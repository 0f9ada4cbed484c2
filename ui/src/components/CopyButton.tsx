// A button that copies a text (a URL, a curl command) and says whether it did.

import { useEffect, useState } from "preact/hooks";
import { tid } from "./ApiError";

/** Copies through the clipboard API, else through a selected text area. */
async function copyText(text: string): Promise<void> {
  try {
    if (navigator.clipboard) {
      await navigator.clipboard.writeText(text);
      return;
    }
  } catch {
    // Refused (no permission, not focused): the older way below may still work.
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("the clipboard refused");
}

export function CopyButton(props: { text: string; id?: string; label?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <button
      class="link"
      {...(props.id ? tid(props.id) : {})}
      title={state === "failed" ? "Copying failed: select the text and copy it by hand" : "Copy to the clipboard"}
      onClick={() =>
        copyText(props.text).then(
          () => setState("copied"),
          () => setState("failed"),
        )
      }
    >
      {state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : (props.label ?? "Copy")}
    </button>
  );
}
