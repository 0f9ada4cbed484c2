// The one way the UI talks to Data Lab: an operation of the API list by name.
// In the desktop app it goes through Tauri's IPC (the `call` command); in the
// server mode through `POST /api/<operation>` with the server's token in the
// Authorization header (the page learns it once from the URL the server
// printed, `?token=`, and keeps it for the tab). Both end in
// datalab_api::ops::call, so the two cannot behave differently.

import type { ApiError, Event, Operations } from "./types";

export type OperationName = keyof Operations;
export type Request<K extends OperationName> = Operations[K]["request"];
export type Response<K extends OperationName> = Operations[K]["response"];

/** An operation's failure: the API's code, a message a person can act on, and the request field at fault. */
export class CallError extends Error {
  readonly code: ApiError["code"];
  readonly field: string | null;
  constructor(error: ApiError) {
    super(error.message);
    this.code = error.code;
    this.field = error.field ?? null;
  }
}

/** What a call may add to its request. */
export interface CallOptions {
  /**
   * The id of the job the call runs (an import, a sweep, an upload): chosen
   * here, so the page can cancel it (`cancel_job`) before the answer arrives.
   */
  job?: string;
}

/** A new job id (random; letters, digits and dashes). */
export function newJobId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

interface TauriInternals {
  invoke: (command: string, args: Record<string, unknown>) => Promise<unknown>;
}

function tauri(): TauriInternals | undefined {
  return (window as unknown as { __TAURI_INTERNALS__?: TauriInternals }).__TAURI_INTERNALS__;
}

const TOKEN_KEY = "datalab.token";

/**
 * The server mode's token: from the URL the server printed (then taken out
 * of the address bar), or kept from it for this tab.
 */
function serverToken(): string | null {
  const params = new URLSearchParams(window.location.search);
  const fromUrl = params.get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete("token");
    const rest = params.toString();
    window.history.replaceState(null, "", `${window.location.pathname}${rest ? `?${rest}` : ""}${window.location.hash}`);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** True inside the desktop app (native dialogs, drag and drop of files). */
export function inDesktopApp(): boolean {
  return tauri() !== undefined;
}

function asApiError(value: unknown): ApiError {
  if (value && typeof value === "object" && "code" in value && "message" in value) {
    return value as ApiError;
  }
  return { code: "internal", message: String(value), field: null };
}

export async function call<K extends OperationName>(operation: K, request: Request<K>, options: CallOptions = {}): Promise<Response<K>> {
  const ipc = tauri();
  if (ipc) {
    try {
      return (await ipc.invoke("call", { operation, request, job: options.job ?? null })) as Response<K>;
    } catch (error) {
      throw new CallError(asApiError(error));
    }
  }
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const token = serverToken();
  if (token) headers["Authorization"] = `Bearer ${token}`;
  if (options.job) headers["X-Datalab-Job"] = options.job;
  const response = await fetch(`/api/${operation}`, {
    method: "POST",
    headers,
    credentials: "same-origin",
    body: JSON.stringify(request),
  });
  const body: unknown = await response.json().catch(() => ({ code: "internal", message: response.statusText, field: null }));
  if (!response.ok) {
    throw new CallError(asApiError(body));
  }
  return body as Response<K>;
}

/**
 * The pages listening to the desktop shell's events. The shell is listened to
 * once, for the app's whole life, and its events fanned out here: a Tauri
 * listener registered per page kept its handler (and through it the page's
 * whole component tree) after the page had gone, and the web view grew with
 * every page visited.
 */
const desktopListeners = new Set<(event: Event) => void>();
let desktopListening = false;

function listenToDesktop(): void {
  if (desktopListening) return;
  desktopListening = true;
  void import("@tauri-apps/api/event").then(({ listen }) =>
    listen<Event>("datalab://event", (e) => {
      for (const listener of desktopListeners) listener(e.payload);
    }),
  );
}

/** The pages told of files dropped on the window: the shell's drops, listened to once, as events are. */
const dropListeners = new Set<(paths: string[]) => void>();
let dropsListening = false;

/** Listens to files dropped on the desktop app's window (nothing in a browser); returns a function that stops listening. */
export function onFilesDropped(listener: (paths: string[]) => void): () => void {
  if (!inDesktopApp()) return () => {};
  if (!dropsListening) {
    dropsListening = true;
    void import("@tauri-apps/api/webview").then(({ getCurrentWebview }) =>
      getCurrentWebview().onDragDropEvent((e) => {
        if (e.payload.type !== "drop") return;
        for (const l of dropListeners) l(e.payload.paths);
      }),
    );
  }
  dropListeners.add(listener);
  return () => {
    dropListeners.delete(listener);
  };
}

/** Listens to the events of long operations; returns a function that stops listening. */
export function onEvent(listener: (event: Event) => void): () => void {
  if (inDesktopApp()) {
    listenToDesktop();
    desktopListeners.add(listener);
    return () => {
      desktopListeners.delete(listener);
    };
  }
  // An EventSource sends no headers: the token rides in the query.
  const token = serverToken();
  const source = new EventSource(token ? `/api/events?token=${encodeURIComponent(token)}` : "/api/events");
  source.onmessage = (message) => {
    try {
      listener(JSON.parse(message.data as string) as Event);
    } catch {
      // A malformed event is dropped: events are for watching, the API has the record.
    }
  };
  return () => source.close();
}
