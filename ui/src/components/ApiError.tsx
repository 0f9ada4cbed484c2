// What every page shows the same way: stable ids for end-to-end tests, and
// an API error with its code ({code, message}, as the API returns it).

import { CallError } from "../api/client";

/**
 * An element's id and data-testid, the same name: WebDriver finds it by
 * `#name` or by `[data-testid="name"]` as on the other pages.
 */
export function tid(name: string): { id: string; "data-testid": string } {
  return { id: name, "data-testid": name };
}

export interface Failure {
  code: string | null;
  message: string;
  /** The request field at fault, when the API names one. */
  field: string | null;
}

export function failureOf(e: unknown): Failure {
  if (e instanceof CallError) return { code: e.code, message: e.message, field: e.field };
  return plainFailure(e instanceof Error ? e.message : String(e));
}

/** A failure the page says itself, not the API: a message with no code. */
export function plainFailure(message: string, field: string | null = null): Failure {
  return { code: null, message, field };
}

/** An error the API returned: its code, then its message, in full. */
export function ApiErrorView(props: { failure: Failure | null; testId: string }) {
  if (!props.failure) return null;
  return (
    <p class="error api-error" role="alert" {...tid(props.testId)}>
      {props.failure.code && <code class="code">{props.failure.code}</code>} {props.failure.message}
    </p>
  );
}
