/**
 * Rendering of CLI results: tables and text for people, JSON and CSV for machines.
 *
 * Everything human-facing (table, text, CSV) passes through `printable`: values come from a SaaS
 * API, and an escape sequence in an email or a role name must not reach a terminal or a
 * spreadsheet as a command. JSON stays exact: JSON.stringify escapes C0 controls, and `jsonText`
 * escapes the rest as \uXXXX, which parses back to the same value.
 *
 * The table renderer is linear in rows: one pass computes every cell and the column widths, a
 * second writes the lines. Nothing it does per row depends on the number of rows.
 */

export type Format = 'table' | 'json' | 'csv';

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string | number | boolean | null | undefined;
}

export interface Output {
  write(text: string): void;
}

export const stdout: Output = { write: (text) => process.stdout.write(text) };

/**
 * C0 controls (tab and newline included: they break a table's layout), DEL, C1 controls, the line
 * and paragraph separators, and the bidirectional embeddings, overrides and isolates that can make
 * text display in an order other than the one it has.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Neutralises control characters as visible escapes (`\x1b`, `\u202e`), so tampering shows rather than acts. */
export function printable(text: string): string {
  UNPRINTABLE.lastIndex = 0;
  if (!UNPRINTABLE.test(text)) return text;
  return text.replace(UNPRINTABLE, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** What JSON.stringify leaves raw but a terminal may act on; inside JSON they occur only in strings. */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON.stringify whose output carries no raw control or bidi character: the same value, safe on a terminal. */
export function jsonText(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  JSON_UNSAFE.lastIndex = 0;
  if (!JSON_UNSAFE.test(text)) return text;
  return text.replace(JSON_UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  return printable(String(value));
}

const SURROGATE = /[\ud800-\udfff]/;

/** Display width in code points (one column each; wide East Asian characters are not measured apart). */
function widthOf(text: string): number {
  if (!SURROGATE.test(text)) return text.length;
  let width = 0;
  for (const _ of text) width++;
  return width;
}

function truncate(text: string, width: number, textWidth: number): string {
  if (textWidth <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
  const kept = textWidth === text.length ? text.slice(0, width - 1) : [...text].slice(0, width - 1).join('');
  return `${kept}…`;
}

export interface TableOptions {
  /**
   * Fit the table to this many terminal columns by truncating the widest columns (marked `…`).
   * Only for a terminal: piped output and CSV/JSON are never truncated.
   */
  readonly maxWidth?: number;
  /** Counts the renderer's per-cell operations (read, measure, pad): how tests prove it linear. */
  readonly work?: { cells: number };
}

/** Narrowest a truncated column gets: room for a few characters and the ellipsis. */
const MIN_COLUMN_WIDTH = 6;

/**
 * Column widths that fit `maxWidth`: the widest columns give way first, none below
 * MIN_COLUMN_WIDTH (or its natural width). Costs a few steps per column, nothing per row.
 */
export function fitWidths(natural: readonly number[], maxWidth: number): number[] {
  const widths = [...natural];
  // Each column costs its width plus "│ " and " " around it; the closing "│" one more.
  let excess = widths.reduce((sum, width) => sum + width, 0) + 3 * widths.length + 1 - maxWidth;
  while (excess > 0) {
    let widest = -1;
    for (let index = 0; index < widths.length; index++) {
      const width = widths[index] as number;
      if (width > MIN_COLUMN_WIDTH && (widest === -1 || width > (widths[widest] as number))) widest = index;
    }
    if (widest === -1) break;
    widths[widest] = (widths[widest] as number) - 1;
    excess--;
  }
  return widths;
}

/** Writes a table to `out` in chunks of lines, in two passes over the rows. */
export function writeTable<T>(out: Output, rows: readonly T[], columns: readonly Column<T>[], options: TableOptions = {}): void {
  const work = options.work;
  const columnCount = columns.length;
  const headers = columns.map((column) => printable(column.header));
  const natural = headers.map(widthOf);
  // Flat arrays, one slot per cell: no per-row allocations beyond the cell texts themselves.
  const cells: string[] = new Array(rows.length * columnCount);
  const cellWidths = new Uint32Array(rows.length * columnCount);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as T;
    for (let c = 0; c < columnCount; c++) {
      const text = cell((columns[c] as Column<T>).value(row));
      const width = widthOf(text);
      cells[r * columnCount + c] = text;
      cellWidths[r * columnCount + c] = width;
      if (width > (natural[c] as number)) natural[c] = width;
      if (work) work.cells++;
    }
  }
  const widths = options.maxWidth === undefined ? natural : fitWidths(natural, options.maxWidth);
  const rule = (left: string, middle: string, right: string) => `${left}${widths.map((width) => '─'.repeat(width + 2)).join(middle)}${right}\n`;
  const line = (texts: readonly string[], textWidths: ArrayLike<number>, offset: number) => {
    let text = '│';
    for (let c = 0; c < columnCount; c++) {
      const width = widths[c] as number;
      const own = textWidths[offset + c] as number;
      text += ` ${truncate(texts[offset + c] as string, width, own)}${' '.repeat(Math.max(0, width - own))} │`;
      if (work) work.cells++;
    }
    return `${text}\n`;
  };
  out.write(rule('┌', '┬', '┐'));
  out.write(line(headers, headers.map(widthOf), 0));
  out.write(rule('├', '┼', '┤'));
  // Lines are gathered into chunks: one write per line would cost a system call each on a pipe.
  let chunk = '';
  for (let r = 0; r < rows.length; r++) {
    chunk += line(cells, cellWidths, r * columnCount);
    if (chunk.length >= 64 * 1024) {
      out.write(chunk);
      chunk = '';
    }
  }
  out.write(`${chunk}${rule('└', '┴', '┘')}`);
}

/** The table as one string (without a final newline), for text that embeds it. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], options: TableOptions = {}): string {
  const parts: string[] = [];
  writeTable({ write: (text) => parts.push(text) }, rows, columns, options);
  return parts.join('').replace(/\n$/, '');
}

/**
 * RFC 4180 quoting; cells starting with a formula character are prefixed so spreadsheets do not
 * evaluate them; control characters are neutralised like everywhere a person reads.
 */
function csvCell(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function writeCsv<T>(out: Output, rows: readonly T[], columns: readonly Column<T>[]): void {
  let chunk = `${columns.map((column) => csvCell(printable(column.header))).join(',')}\r\n`;
  for (const row of rows) {
    chunk += `${columns.map((column) => csvCell(cell(column.value(row)))).join(',')}\r\n`;
    if (chunk.length >= 64 * 1024) {
      out.write(chunk);
      chunk = '';
    }
  }
  out.write(chunk);
}

export function renderCsv<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const parts: string[] = [];
  writeCsv({ write: (text) => parts.push(text) }, rows, columns);
  return parts.join('');
}

/** The width to fit a table to: the terminal's when stdout is one, else none (never truncate a pipe). */
export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number | undefined {
  return stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : undefined;
}

export function writeRows<T>(
  out: Output,
  format: Format,
  rows: readonly T[],
  columns: readonly Column<T>[],
  json: (row: T) => unknown,
  options: TableOptions = {},
): void {
  switch (format) {
    case 'json':
      out.write(`${jsonText(rows.map(json), 2)}\n`);
      return;
    case 'csv':
      writeCsv(out, rows, columns);
      return;
    case 'table':
      if (rows.length === 0) out.write('(none)\n');
      else writeTable(out, rows, columns, options);
  }
}

export function renderRows<T>(format: Format, rows: readonly T[], columns: readonly Column<T>[], json: (row: T) => unknown): string {
  const parts: string[] = [];
  writeRows({ write: (text) => parts.push(text) }, format, rows, columns, json);
  return parts.join('');
}

let pipeGuardInstalled = false;

/**
 * A reader that goes away (`rollcall users | head -1`) ends the command quietly with exit 0, as
 * Unix tools do, instead of an EPIPE stack trace. Other stdout errors stay failures.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  if (pipeGuardInstalled) return;
  pipeGuardInstalled = true;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    process.stderr.write(`rollcall: cannot write the output (${error.code ?? error.name})\n`);
    process.exit(1);
  });
}
