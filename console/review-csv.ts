/** The access review as CSV: one row per present account, for a reviewer's spreadsheet. */
import type { ReviewRow } from '../functions/core/read-model.ts';
import { renderCsv, type Column } from '../cli/output.ts';

export const REVIEW_CSV_COLUMNS: readonly Column<ReviewRow>[] = [
  { header: 'connector', value: (r) => r.connectorId },
  { header: 'app', value: (r) => r.app },
  { header: 'account id', value: (r) => r.accountId },
  { header: 'email', value: (r) => r.email },
  { header: 'name', value: (r) => r.name },
  { header: 'role', value: (r) => r.role },
  { header: 'groups', value: (r) => r.groups.join('; ') },
  { header: 'state', value: (r) => r.state },
  { header: 'status', value: (r) => r.status },
  { header: 'last login', value: (r) => r.lastLoginAt },
  { header: 'first seen', value: (r) => r.firstSeenAt },
];

export function reviewCsv(rows: readonly ReviewRow[]): string {
  return renderCsv(rows, REVIEW_CSV_COLUMNS);
}
