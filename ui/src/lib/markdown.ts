// A model card's Markdown (as Rust writes it: headings, paragraphs, lists,
// tables, `code` and **bold**) read into blocks that the UI draws as
// elements. Never HTML: a card may quote a user's text, which must not
// script the app.

export type Inline = { kind: "text" | "code" | "strong"; text: string };

export type Block =
  | { kind: "heading"; level: number; inline: Inline[] }
  | { kind: "paragraph"; inline: Inline[] }
  | { kind: "list"; items: Inline[][] }
  | { kind: "table"; head: Inline[][]; rows: Inline[][][]; align: ("left" | "right")[] }
  | { kind: "code"; text: string };

/** `**bold**` and `` `code` `` within a line; everything else is text. */
export function inline(text: string): Inline[] {
  const out: Inline[] = [];
  let rest = text;
  while (rest.length > 0) {
    const code = rest.indexOf("`");
    const bold = rest.indexOf("**");
    const next = [code, bold].filter((i) => i >= 0).sort((a, b) => a - b)[0];
    if (next === undefined) {
      out.push({ kind: "text", text: rest });
      break;
    }
    const isCode = next === code;
    const marker = isCode ? "`" : "**";
    const end = rest.indexOf(marker, next + marker.length);
    if (end < 0) {
      out.push({ kind: "text", text: rest });
      break;
    }
    if (next > 0) out.push({ kind: "text", text: rest.slice(0, next) });
    out.push({ kind: isCode ? "code" : "strong", text: rest.slice(next + marker.length, end) });
    rest = rest.slice(end + marker.length);
  }
  return out;
}

/** A table row's cells (`| a | b |`, with `\|` inside a cell). */
function cells(line: string): string[] {
  const trimmed = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed[i];
    if (c === "\\" && trimmed[i + 1] === "|") {
      current += "|";
      i++;
    } else if (c === "|") {
      parts.push(current.trim());
      current = "";
    } else {
      current += c;
    }
  }
  parts.push(current.trim());
  return parts;
}

export function parseMarkdown(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (line.trim() === "") {
      i++;
      continue;
    }
    if (line.startsWith("```")) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] ?? "").startsWith("```")) body.push(lines[i++] ?? "");
      i++;
      blocks.push({ kind: "code", text: body.join("\n") });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      blocks.push({ kind: "heading", level: heading[1]?.length ?? 1, inline: inline(heading[2] ?? "") });
      i++;
      continue;
    }
    if (line.trim().startsWith("|") && /^\s*\|?[\s:|-]+\|?\s*$/.test(lines[i + 1] ?? "") && (lines[i + 1] ?? "").includes("-")) {
      const head = cells(line).map(inline);
      const align = cells(lines[i + 1] ?? "").map((c) => (c.endsWith(":") && !c.startsWith(":") ? "right" : "left") as "left" | "right");
      i += 2;
      const rows: Inline[][][] = [];
      while (i < lines.length && (lines[i] ?? "").trim().startsWith("|")) rows.push(cells(lines[i++] ?? "").map(inline));
      blocks.push({ kind: "table", head, rows, align });
      continue;
    }
    if (/^\s*[-*]\s+/.test(line)) {
      const items: Inline[][] = [];
      while (i < lines.length && /^\s*[-*]\s+/.test(lines[i] ?? "")) items.push(inline((lines[i++] ?? "").replace(/^\s*[-*]\s+/, "")));
      blocks.push({ kind: "list", items });
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && (lines[i] ?? "").trim() !== "" && !/^(#{1,6}\s|```|\s*[-*]\s+|\s*\|)/.test(lines[i] ?? "")) {
      paragraph.push((lines[i++] ?? "").trim());
    }
    if (paragraph.length === 0) {
      // A line no rule takes (a lone `|`): shown as text rather than lost.
      paragraph.push(line.trim());
      i++;
    }
    blocks.push({ kind: "paragraph", inline: inline(paragraph.join(" ")) });
  }
  return blocks;
}
