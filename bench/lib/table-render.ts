/**
 * `rollcall users` table rendering at inventory sizes (issue "The local experience", output that
 * scales): the real renderer and the real account columns, over synthetic accounts, into a sink
 * that only counts bytes, so the figure is the renderer's own time, not the terminal's.
 */
import { performance } from 'node:perf_hooks';
import { ACCOUNT_COLUMNS } from '../../cli/views.ts';
import { writeTable } from '../../cli/output.ts';
import type { StoredAccount } from '../../functions/core/types.ts';
import type { TargetResult } from './targets.ts';

export const TABLE_RENDER_SIZES: readonly number[] = [5_000, 20_000, 50_000];
/** A common terminal width, to time the truncating layout too. */
export const TERMINAL_COLUMNS = 120;

export interface TableRenderMeasurement {
  readonly rows: number;
  /** Piped (no width limit), median wall time of the runs. */
  readonly plainMs: number;
  /** The same, CPU time (user + system): steadier than wall time on a busy machine. */
  readonly plainCpuMs: number;
  /** Fitted to TERMINAL_COLUMNS, median wall time of the runs. */
  readonly fittedMs: number;
  readonly bytes: number;
}

const ROLES = ['Viewer', 'Operator', 'Contributor', 'Owner', 'SOC Analyst'];
const STATUSES = ['VERIFIED', 'INVITATION_SENT', 'STATUS_UNSPECIFIED'];

export function syntheticAccounts(count: number): StoredAccount[] {
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  return Array.from({ length: count }, (_, index) => {
    const email = `person.${index}.${'x'.repeat(index % 17)}@example.com`;
    const time = new Date(base + index * 60_000).toISOString();
    return {
      connectorId: index % 3 === 0 ? 'torq-sandbox' : 'torq-prod',
      app: 'torq',
      id: `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
      email,
      emailKey: email,
      name: `Person ${index}`,
      login: null,
      externalId: null,
      roleId: `role-${index % ROLES.length}`,
      roleName: ROLES[index % ROLES.length] ?? null,
      status: STATUSES[index % STATUSES.length] ?? null,
      state: (['active', 'pending', null] as const)[index % STATUSES.length] ?? null,
      ssoProvisioned: index % 2 === 0,
      createdAt: time,
      updatedAt: null,
      lastLoginAt: index % 4 === 0 ? null : time,
      firstSeenAt: time,
      lastChangedAt: time,
      removedAt: null,
    };
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function timeRender(accounts: readonly StoredAccount[], maxWidth: number | undefined): { ms: number; cpuMs: number; bytes: number } {
  let bytes = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  writeTable({ write: (text) => (bytes += Buffer.byteLength(text, 'utf8')) }, accounts, ACCOUNT_COLUMNS, maxWidth === undefined ? {} : { maxWidth });
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, bytes };
}

export function measureTableRender(sizes: readonly number[] = TABLE_RENDER_SIZES, runs = 3): TableRenderMeasurement[] {
  return sizes.map((rows) => {
    const accounts = syntheticAccounts(rows);
    const plain = Array.from({ length: runs }, () => timeRender(accounts, undefined));
    const fitted = Array.from({ length: runs }, () => timeRender(accounts, TERMINAL_COLUMNS));
    return {
      rows,
      plainMs: median(plain.map((run) => run.ms)),
      plainCpuMs: median(plain.map((run) => run.cpuMs)),
      fittedMs: median(fitted.map((run) => run.ms)),
      bytes: plain[0]?.bytes ?? 0,
    };
  });
}

/** Rendering 50,000 accounts takes seconds at most; the renderer's own share is far below. */
export const TABLE_RENDER_LIMIT = { rows: 50_000, ms: 3_000 } as const;

export function tableRenderTarget(measurements: readonly TableRenderMeasurement[]): TargetResult {
  const description = `users table renders ${TABLE_RENDER_LIMIT.rows.toLocaleString('en-US')} accounts`;
  const measured = measurements.find((measurement) => measurement.rows === TABLE_RENDER_LIMIT.rows);
  const base = { id: 'table-render' as const, description, users: TABLE_RENDER_LIMIT.rows, limit: TABLE_RENDER_LIMIT.ms, unit: 'ms' };
  if (measured === undefined) {
    return { ...base, value: null, status: 'n/a', detail: `needs a render of ${TABLE_RENDER_LIMIT.rows} rows` };
  }
  return {
    ...base,
    value: Math.round(measured.plainMs),
    status: measured.plainMs <= TABLE_RENDER_LIMIT.ms ? 'PASS' : 'FAIL',
    detail: 'median wall time of the real renderer over synthetic accounts, output discarded',
  };
}
