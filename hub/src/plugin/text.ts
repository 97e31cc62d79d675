/**
 * Terminal text for `kubectl work`: optional colour, removal of control
 * characters from server-provided strings, word wrapping with a line cap,
 * and kubectl-style column tables (columns three spaces apart, the last one
 * wrapped to the terminal width).
 */

/** Semantic colours; each maps to one ANSI SGR code. */
export type Tone = "ok" | "bad" | "warn" | "dim" | "bold";

const SGR: Record<Tone, string> = { ok: "32", bad: "31", warn: "33", dim: "2", bold: "1" };

/** `text` in `tone` when colour is on; unchanged otherwise. */
export function paint(text: string, tone: Tone | undefined, color: boolean): string {
  if (!color || tone === undefined || text === "") return text;
  return `\u001b[${SGR[tone]}m${text}\u001b[0m`;
}

/**
 * Strings read from the API (messages, names, feedback values) may hold
 * anything. Control characters other than newlines are dropped so they cannot
 * move the cursor or recolour the terminal; tabs become spaces.
 */
export function sanitize(text: string): string {
  return text.replace(/\t/g, " ").replace(/\r\n?/g, "\n").replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, "");
}

/** Ellipsis marking trimmed text. */
export const ELLIPSIS = "…";

/** `text` cut to `width` characters, the last one an ellipsis when cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0 || text.length <= width) return text;
  if (width === 1) return ELLIPSIS;
  return text.slice(0, width - 1) + ELLIPSIS;
}

/**
 * Word-wraps `text` to lines of at most `width` characters (0: no wrapping;
 * only its own newlines break it), keeping at most `maxLines` lines (0: all);
 * the last kept line ends with an ellipsis when something was dropped. Runs
 * of spaces collapse; a word longer than the width is split.
 */
export function wrap(text: string, width: number, maxLines = 0): string[] {
  const lines: string[] = [];
  for (const paragraph of sanitize(text).split("\n")) {
    const words = paragraph.split(/ +/).filter((w) => w !== "");
    if (width <= 0) {
      lines.push(words.join(" "));
      continue;
    }
    let line = "";
    for (let word of words) {
      while (word.length > width) {
        if (line !== "") {
          lines.push(line);
          line = "";
        }
        lines.push(word.slice(0, width));
        word = word.slice(width);
      }
      if (word === "") continue;
      if (line === "") line = word;
      else if (line.length + 1 + word.length <= width) line += " " + word;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  // Blank lines at the end (a trailing newline in a message) carry nothing.
  while (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  if (maxLines > 0 && lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    const last = kept[maxLines - 1]!;
    kept[maxLines - 1] = width > 0 && last.length >= width ? last.slice(0, Math.max(0, width - 1)) + ELLIPSIS : last + ELLIPSIS;
    return kept;
  }
  return lines;
}

/** A table cell: plain text, or text with a colour. */
export type Cell = string | { text: string; tone?: Tone | undefined };

function cellText(c: Cell): string {
  return sanitize(typeof c === "string" ? c : c.text).replace(/\n/g, " ");
}

function cellTone(c: Cell): Tone | undefined {
  return typeof c === "string" ? undefined : c.tone;
}

export interface TableOptions {
  color: boolean;
  /** Prefix of every line. */
  indent?: string;
  /** Total width; the last column wraps to what is left of it (0: no wrapping). */
  width?: number;
  /** The last column never gets fewer characters than this, however wide the others are. */
  minLastWidth?: number;
  /** Lines a wrapped last cell may take; more is trimmed with an ellipsis. */
  maxLines?: number;
  /** Columns aligned to the right (numbers), by index. */
  rightAlign?: readonly number[];
  /** Spaces after column i, when not {@link COLUMN_GAP}. */
  gaps?: readonly number[];
}

/** Columns are this many spaces apart, as in kubectl's tables. */
export const COLUMN_GAP = 3;

/**
 * Lays out rows in aligned columns and returns each row's lines (a wrapped
 * last cell takes several). `lead` is the width of whatever the caller puts
 * before each line, so wrapping accounts for it; continuation lines are
 * indented to the last column. Widths are measured before colouring, so
 * colours never break the alignment. Trailing spaces are trimmed.
 */
export function layoutRows(rows: readonly (readonly Cell[])[], o: TableOptions & { lead?: number; headers?: readonly string[] }): string[][] {
  const n = Math.max(o.headers?.length ?? 0, ...rows.map((r) => r.length));
  const all: readonly (readonly Cell[])[] = o.headers ? [o.headers, ...rows] : rows;
  const widths = Array.from({ length: n }, (_, i) => Math.max(0, ...all.map((r) => cellText(r[i] ?? "").length)));
  const gap = (i: number): number => o.gaps?.[i] ?? COLUMN_GAP;
  const lead = widths.slice(0, n - 1).reduce((a, w, i) => a + w + gap(i), o.lead ?? 0);
  const lastWidth = o.width !== undefined && o.width > 0 ? Math.max(o.minLastWidth ?? 20, o.width - lead) : 0;
  const right = new Set(o.rightAlign ?? []);
  const pad = (text: string, i: number): string => (right.has(i) ? text.padStart(widths[i]!) : text.padEnd(widths[i]!));
  const join = (cells: readonly string[]): string => cells.map((c, i) => (i < cells.length - 1 ? c + " ".repeat(gap(i)) : c)).join("").trimEnd();
  const out: string[][] = [];
  if (o.headers) out.push([join(o.headers.map((h, i) => (i < n - 1 ? pad(h, i) : h)))]);
  for (const row of rows) {
    const cells: string[] = [];
    for (let i = 0; i < n - 1; i++) {
      const c = row[i] ?? "";
      cells.push(paint(pad(cellText(c), i), cellTone(c), o.color));
    }
    const last = row[n - 1] ?? "";
    const text = typeof last === "string" ? last : last.text;
    const parts = lastWidth > 0 ? wrap(text, lastWidth, o.maxLines ?? 0) : [cellText(last)];
    const lines = [join([...cells, paint(parts[0] ?? "", cellTone(last), o.color)])];
    const contIndent = " ".repeat(lead - (o.lead ?? 0));
    for (const more of parts.slice(1)) lines.push((contIndent + paint(more, cellTone(last), o.color)).trimEnd());
    out.push(lines);
  }
  return out;
}

/** A table with a header row, every line prefixed with `indent`. */
export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[], o: TableOptions): string[] {
  const indent = o.indent ?? "";
  return layoutRows(rows, { ...o, headers, lead: indent.length })
    .flat()
    .map((l) => (l === "" ? "" : indent + l));
}
