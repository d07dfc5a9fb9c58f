/** Rendering of CLI results: tables for people, JSON and CSV for machines. */
import Table from 'cli-table3';

export type Format = 'table' | 'json' | 'csv';

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string | number | boolean | null | undefined;
}

export interface Output {
  write(text: string): void;
}

export const stdout: Output = { write: (text) => process.stdout.write(text) };

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const table = new Table({ head: columns.map((column) => column.header), style: { head: [], border: [], compact: true } });
  for (const row of rows) table.push(columns.map((column) => cell(column.value(row))));
  return table.toString();
}

/** RFC 4180 quoting; cells starting with a formula character are prefixed so spreadsheets do not evaluate them. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function renderCsv<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const lines = [columns.map((column) => csvCell(column.header)).join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvCell(cell(column.value(row)))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function renderRows<T>(format: Format, rows: readonly T[], columns: readonly Column<T>[], json: (row: T) => unknown): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(rows.map(json), null, 2)}\n`;
    case 'csv':
      return renderCsv(rows, columns);
    case 'table':
      return rows.length === 0 ? '(none)\n' : `${renderTable(rows, columns)}\n`;
  }
}
