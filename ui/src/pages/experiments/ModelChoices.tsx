// The models of the chosen task, from the catalog, to tick; a ticked one
// shows a field per parameter (one value, a list for a grid, or a range for
// random or TPE search), marked when it cannot be read.

import type { ModelSpec, ParamDomain } from "../../api/types";
import { parseParam, type ModelChoice } from "../../lib/spec";

/** What a parameter's empty field shows: its range or choices, and its default. */
function domainHint(domain: ParamDomain): string {
  switch (domain.type) {
    case "integer":
    case "float":
      return `${domain.min} to ${domain.max}, default ${domain.default}`;
    case "choice":
      return `${domain.options.join(" | ")}, default ${domain.default}`;
    case "boolean":
      return `true | false, default ${domain.default}`;
  }
}

export function ModelChoices(props: {
  /** The catalog's models of the chosen task. */
  models: ModelSpec[];
  chosen: ModelChoice[];
  onToggle: (model: string) => void;
  onParam: (model: string, name: string, text: string) => void;
}) {
  return (
    <fieldset>
      <legend>Models</legend>
      {props.models.map((m) => {
        const choice = props.chosen.find((c) => c.model === m.id);
        return (
          <div class="model">
            <label title={m.description}>
              <input type="checkbox" data-testid={`model-${m.id}`} checked={choice !== undefined} onChange={() => props.onToggle(m.id)} />
              <strong>{m.name}</strong> <span class="muted small">{m.description}</span>
            </label>
            {choice && (
              <div class="params">
                {m.params.map((p) => {
                  const text = choice.params[p.name] ?? "";
                  const parsed = parseParam(text, p.domain);
                  return (
                    <label title={p.description}>
                      {p.name}
                      <input
                        data-testid={`param-${m.id}-${p.name}`}
                        class={parsed.ok ? "" : "invalid"}
                        placeholder={domainHint(p.domain)}
                        value={text}
                        onInput={(e) => props.onParam(m.id, p.name, (e.currentTarget as HTMLInputElement).value)}
                      />
                      {!parsed.ok && <span class="error small">{parsed.error}</span>}
                    </label>
                  );
                })}
                <p class="muted small">One value, a list (1, 2, 5) for a grid, or a range (0.01..10 log) for random or TPE search.</p>
              </div>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}
