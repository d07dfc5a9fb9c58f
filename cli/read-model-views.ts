/**
 * What `rollcall review` and `rollcall insights` show of the read model (core/read-model.ts): the
 * columns of their tables and CSV, and the flat rows of the insights CSV. An app that does not
 * report last logins is said to, in words, rather than shown as an empty time a reader could take
 * for "never logged in".
 */
import type { DormantAccount, InsightAccount, Insights, ReviewRow } from '../functions/core/read-model.ts';
import type { Column } from './output.ts';

/** What a last-login cell says for an app that reports no logins at all. */
export const LOGIN_NOT_REPORTED = 'not reported by the app';

/** The access review: one row per present account, for a reviewer to sign off. */
export const REVIEW_COLUMNS: readonly Column<ReviewRow>[] = [
  { header: 'connector', value: (row) => row.connectorId },
  { header: 'app', value: (row) => row.app },
  { header: 'account id', value: (row) => row.accountId },
  { header: 'email', value: (row) => row.email },
  { header: 'name', value: (row) => row.name },
  { header: 'role', value: (row) => row.role },
  { header: 'groups', value: (row) => row.groups.join('; ') },
  { header: 'state', value: (row) => row.state },
  { header: 'status', value: (row) => row.status },
  { header: 'last login', value: (row) => (row.lastLoginReported ? row.lastLoginAt : LOGIN_NOT_REPORTED) },
  { header: 'first seen', value: (row) => row.firstSeenAt },
];

/** One finding of the insights report, flattened for a table or CSV. */
export interface InsightRow {
  readonly insight: 'last-login-not-reported' | 'dormant' | 'pending-invitation' | 'offboarding-gap' | 'admin' | 'no-email';
  readonly connectorId: string;
  readonly app: string;
  readonly accountId: string | null;
  readonly email: string | null;
  readonly name: string | null;
  readonly role: string | null;
  readonly state: string | null;
  readonly detail: string;
}

export const INSIGHT_COLUMNS: readonly Column<InsightRow>[] = [
  { header: 'insight', value: (row) => row.insight },
  { header: 'connector', value: (row) => row.connectorId },
  { header: 'app', value: (row) => row.app },
  { header: 'account id', value: (row) => row.accountId },
  { header: 'email', value: (row) => row.email },
  { header: 'name', value: (row) => row.name },
  { header: 'role', value: (row) => row.role },
  { header: 'state', value: (row) => row.state },
  { header: 'detail', value: (row) => row.detail },
];

function accountRow(insight: InsightRow['insight'], account: InsightAccount, detail: string): InsightRow {
  return {
    insight,
    connectorId: account.connectorId,
    app: account.app,
    accountId: account.accountId,
    email: account.email,
    name: account.name,
    role: account.roleName,
    state: account.removedAt === null ? account.state : 'removed',
    detail,
  };
}

function dormancy(account: DormantAccount): string {
  return account.daysSinceLogin === null ? 'never logged in' : `no login for ${account.daysSinceLogin} days (last ${account.lastLoginAt ?? ''})`;
}

/**
 * Every finding as one row, in the report's order: apps that report no logins (so no account of
 * theirs is judged dormant), dormant accounts, old invitations, offboarding gaps (one row per
 * account still active, naming where the person is gone), admins, accounts without email.
 */
export function insightRows(insights: Insights): InsightRow[] {
  const rows: InsightRow[] = [];
  for (const cover of insights.coverage) {
    if (cover.reportsLastLogin) continue;
    rows.push({
      insight: 'last-login-not-reported',
      connectorId: cover.connectorId,
      app: cover.app,
      accountId: null,
      email: null,
      name: null,
      role: null,
      state: null,
      detail: `the app reports no last login: none of its ${cover.activeAccounts} active accounts is judged dormant`,
    });
  }
  for (const account of insights.dormant) rows.push(accountRow('dormant', account, dormancy(account)));
  for (const invitation of insights.pendingInvitations) {
    const since = invitation.pendingSinceSource === 'created' ? 'invited' : 'first seen pending';
    rows.push(accountRow('pending-invitation', invitation, `pending for ${invitation.daysPending} days (${since} ${invitation.pendingSince})`));
  }
  for (const gap of insights.offboardingGaps) {
    const gone = gap.offboarded
      .map((account) => `${account.removedAt === null ? 'disabled' : 'removed'} in ${account.connectorId}`)
      .join(', ');
    for (const account of gap.stillActive) rows.push(accountRow('offboarding-gap', account, `still active here; ${gone}`));
  }
  for (const count of insights.adminsPerApp) {
    for (const admin of count.admins) {
      rows.push(accountRow('admin', admin, `one of ${count.admins.length} admins among ${count.activeAccounts} active accounts`));
    }
  }
  for (const account of insights.withoutEmail) rows.push(accountRow('no-email', account, 'the app gives no email: not matched to a person'));
  return rows;
}

/** The summary a terminal reader sees above the findings: one line per insight with its count. */
export function insightSummary(insights: Insights): string {
  const admins = insights.adminsPerApp.map((count) => `${count.connectorId} ${count.admins.length}/${count.activeAccounts}`).join(', ');
  const unreported = insights.coverage.filter((cover) => !cover.reportsLastLogin).map((cover) => cover.connectorId);
  return [
    `No login for more than ${insights.days} days: ${insights.dormant.length}` +
      (unreported.length === 0 ? '' : ` (not judged in ${unreported.join(', ')}: the app reports no last login)`),
    `Invitations pending for more than ${insights.pendingDays} days: ${insights.pendingInvitations.length}`,
    `Offboarding gaps (removed or disabled in one app, active in another): ${insights.offboardingGaps.length}`,
    `Admins per app: ${admins === '' ? 'none' : admins}`,
    `Active accounts without email: ${insights.withoutEmail.length}`,
  ].join('\n');
}
