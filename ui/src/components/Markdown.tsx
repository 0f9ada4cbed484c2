// Markdown drawn as elements (lib/markdown.ts reads it): text stays text.

import type { Inline } from "../lib/markdown";
import { parseMarkdown } from "../lib/markdown";

function Spans(props: { inline: Inline[] }) {
  return (
    <>
      {props.inline.map((part) =>
        part.kind === "code" ? <code>{part.text}</code> : part.kind === "strong" ? <strong>{part.text}</strong> : part.text,
      )}
    </>
  );
}

export function Markdown(props: { text: string; testId?: string }) {
  return (
    <div class="markdown" data-testid={props.testId}>
      {parseMarkdown(props.text).map((block) => {
        switch (block.kind) {
          case "heading":
            return block.level <= 1 ? (
              <h2>
                <Spans inline={block.inline} />
              </h2>
            ) : block.level === 2 ? (
              <h3>
                <Spans inline={block.inline} />
              </h3>
            ) : (
              <h4>
                <Spans inline={block.inline} />
              </h4>
            );
          case "paragraph":
            return (
              <p>
                <Spans inline={block.inline} />
              </p>
            );
          case "list":
            return (
              <ul>
                {block.items.map((item) => (
                  <li>
                    <Spans inline={item} />
                  </li>
                ))}
              </ul>
            );
          case "code":
            return <pre>{block.text}</pre>;
          case "table":
            return (
              <div class="scroll-x">
                <table class="table compact">
                  <thead>
                    <tr>
                      {block.head.map((cell, k) => (
                        <th style={{ textAlign: block.align[k] ?? "left" }}>
                          <Spans inline={cell} />
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {block.rows.map((row) => (
                      <tr>
                        {row.map((cell, k) => (
                          <td style={{ textAlign: block.align[k] ?? "left" }}>
                            <Spans inline={cell} />
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            );
        }
      })}
    </div>
  );
}
