/**
 * What the read commands show of the inventory: the columns of tables and CSV, and the JSON of
 * each item (design.md section 7). Commands and the demo render through these, never their own
 * copies. An account's JSON comes from the one field list (`core/account-fields.ts`), so a field
 * the inventory gains reaches `rollcall users --format json` without an edit here.
 */
import { STORED_ACCOUNT_FIELDS, type StoredAccountField } from '../functions/core/account-fields.ts';
import type { ConnectorState, StoredAccount, SyncRun } from '../functions/core/types.ts';
import type { Column } from './output.ts';

function field(header: string, name: StoredAccountField): Column<StoredAccount> {
  return { header, value: (account) => account[name] };
}

/** The table and CSV columns of `rollcall users`. */
export const ACCOUNT_COLUMNS: readonly Column<StoredAccount>[] = [
  field('connector', 'connectorId'),
  field('id', 'id'),
  field('email', 'email'),
  // The role's name when the app's role list gave one, else its id: never an empty cell for a known role.
  { header: 'role', value: (account) => account.roleName ?? account.roleId },
  field('status', 'status'),
  field('sso', 'ssoProvisioned'),
  field('first seen', 'firstSeenAt'),
  field('last login', 'lastLoginAt'),
  field('removed', 'removedAt'),
];

/** Every stored field of the account. */
export function accountJson(account: StoredAccount): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const name of STORED_ACCOUNT_FIELDS) json[name] = account[name];
  return json;
}

export const CONNECTOR_COLUMNS: readonly Column<ConnectorState>[] = [
  { header: 'connector', value: (c) => c.connectorId },
  { header: 'app', value: (c) => c.app },
  { header: 'status', value: (c) => c.status },
  { header: 'reason', value: (c) => c.statusReason },
  { header: 'last success', value: (c) => c.lastSuccessAt },
  { header: 'last sync', value: (c) => c.lastSyncAt },
  { header: 'accounts', value: (c) => c.counts.total },
];

/** A connector without its lease and credential bookkeeping (`rejectedFingerprint`, lease owner): status and counts. */
export function connectorJson(state: ConnectorState): Record<string, unknown> {
  return {
    connectorId: state.connectorId,
    app: state.app,
    status: state.status,
    statusReason: state.statusReason,
    statusChangedAt: state.statusChangedAt,
    lastSyncAt: state.lastSyncAt,
    lastSuccessAt: state.lastSuccessAt,
    lastError: state.lastError,
    counts: state.counts,
  };
}

export const RUN_COLUMNS: readonly Column<SyncRun>[] = [
  { header: 'started', value: (r) => r.startedAt },
  { header: 'outcome', value: (r) => r.outcome },
  { header: 'status', value: (r) => r.status },
  { header: 'seconds', value: (r) => (r.durationMs / 1000).toFixed(1) },
  { header: 'active', value: (r) => r.counts.total },
  { header: 'new', value: (r) => r.counts.new },
  { header: 'changed', value: (r) => r.counts.changed },
  { header: 'removed', value: (r) => r.counts.removed },
  { header: 'anomalies', value: (r) => r.anomalies.join(' ') },
  { header: 'error', value: (r) => r.error },
];
