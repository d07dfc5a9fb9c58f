/**
 * The CLI's renderers: a table linear in its rows (proved by counting its work, never by timing),
 * fitted to a terminal's width only when asked, and control characters neutralised in every
 * human-facing format while JSON stays exact.
 */
import { describe, expect, it } from 'vitest';
import { fitWidths, printable, renderCsv, renderRows, renderTable, writeTable, type Column } from '../../cli/output.ts';

interface Row {
  id: string;
  email: string;
  role: string;
}

const rowsOf = (count: number): Row[] =>
  Array.from({ length: count }, (_, index) => ({ id: `id-${index}`, email: `person.${index}@example.com`, role: index % 2 ? 'Owner' : 'Viewer' }));

/** Columns whose value functions count their calls. */
function countingColumns(calls: { value: number }): Column<Row>[] {
  const counted = (read: (row: Row) => string) => (row: Row) => {
    calls.value++;
    return read(row);
  };
  return [
    { header: 'id', value: counted((row) => row.id) },
    { header: 'email', value: counted((row) => row.email) },
    { header: 'role', value: counted((row) => row.role) },
  ];
}

function measureWork(rows: number): { cells: number; values: number; writes: number; lines: number } {
  const work = { cells: 0 };
  const calls = { value: 0 };
  let writes = 0;
  let text = '';
  writeTable({ write: (chunk) => ((text += chunk), writes++) }, rowsOf(rows), countingColumns(calls), { work });
  return { cells: work.cells, values: calls.value, writes, lines: text.split('\n').length - 1 };
}

describe('the table renderer', () => {
  it('does work proportional to the rows: each cell is read once and formatted twice, whatever the row count', () => {
    const sizes = [1_000, 4_000, 16_000];
    const measured = sizes.map(measureWork);
    for (const [index, rows] of sizes.entries()) {
      const work = measured[index];
      // Every cell measured once in the first pass and laid out once in the second, plus the header line.
      expect(work?.cells).toBe(2 * 3 * rows + 3);
      expect(work?.values).toBe(3 * rows);
      // Frame (3 rules) + header + one line per row.
      expect(work?.lines).toBe(rows + 4);
    }
    // Sixteen times the rows, sixteen times the work: linear, not quadratic.
    expect((measured[2]?.cells ?? 0) - 3).toBe(16 * ((measured[0]?.cells ?? 0) - 3));
    // Lines go out in chunks, not in one string of the whole table nor one write per row.
    expect(measured[2]?.writes).toBeGreaterThan(3);
    expect(measured[2]?.writes).toBeLessThan(16_000 / 100);
  });

  it('aligns columns to the widest cell', () => {
    const table = renderTable(rowsOf(2), countingColumns({ value: 0 }));
    expect(table.split('\n')).toEqual([
      '┌──────┬──────────────────────┬────────┐',
      '│ id   │ email                │ role   │',
      '├──────┼──────────────────────┼────────┤',
      '│ id-0 │ person.0@example.com │ Viewer │',
      '│ id-1 │ person.1@example.com │ Owner  │',
      '└──────┴──────────────────────┴────────┘',
    ]);
  });

  it('fits a terminal width by truncating the widest columns, marked with an ellipsis', () => {
    const rows = [{ id: 'x', email: `${'a'.repeat(60)}@example.com`, role: 'Owner' }];
    const table = renderTable(rows, countingColumns({ value: 0 }), { maxWidth: 40 });
    const lines = table.split('\n');
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(40);
    expect(lines[3]).toMatch(/│ a+… │/);
    // Without a width nothing is cut.
    expect(renderTable(rows, countingColumns({ value: 0 }))).toContain(rows[0]?.email);
  });

  it('never shrinks a column below a readable minimum, even on a very narrow terminal', () => {
    expect(fitWidths([40, 3, 20], 20)).toEqual([6, 3, 6]);
    const fitted = fitWidths([40, 3, 20], 30);
    expect(fitted.reduce((sum, width) => sum + width, 0) + 3 * 3 + 1).toBe(30);
    expect(Math.min(...fitted.filter((width) => width !== 3))).toBeGreaterThanOrEqual(6);
    expect(fitWidths([10, 10], 100)).toEqual([10, 10]);
  });
});

describe('control characters from API data', () => {
  const hostile = { id: 'a\u001b]0;pwned\u0007', email: 'evil\u001b[2J@example.com', role: 'Owner\u009b31m\u202egnp.exe' };

  it('are shown as visible escapes, never passed through', () => {
    expect(printable('plain text: ünïcödé ✓')).toBe('plain text: ünïcödé ✓');
    expect(printable('a\u001b[31mb')).toBe('a\\x1b[31mb');
    expect(printable('tab\there\nnew\u007f\u0085\u2028\u2066')).toBe('tab\\x09here\\x0anew\\x7f\\x85\\u2028\\u2066');
  });

  it('are neutralised in tables and CSV, and kept exact (escaped) in JSON', () => {
    const columns: Column<Row>[] = [
      { header: 'id', value: (row) => row.id },
      { header: 'email', value: (row) => row.email },
      { header: 'role', value: (row) => row.role },
    ];
    const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    for (const text of [renderTable([hostile], columns), renderCsv([hostile], columns)]) {
      expect(text).not.toMatch(UNSAFE);
      expect(text).toContain('evil\\x1b[2J@example.com');
      expect(text).toContain('Owner\\x9b31m\\u202egnp.exe');
    }
    const json = renderRows('json', [hostile], columns, (row) => row);
    expect(json).not.toMatch(UNSAFE);
    expect(JSON.parse(json)).toEqual([hostile]);
  });

  it('still keep spreadsheets from evaluating formulas in CSV', () => {
    const csv = renderCsv([{ id: '=HYPERLINK("x")', email: '+1', role: 'a,b' }], [
      { header: 'id', value: (row: Row) => row.id },
      { header: 'email', value: (row: Row) => row.email },
      { header: 'role', value: (row: Row) => row.role },
    ]);
    expect(csv).toBe('id,email,role\r\n"\'=HYPERLINK(""x"")",\'+1,"a,b"\r\n');
  });
});
