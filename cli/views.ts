/**
 * What the read commands show of the inventory: the columns of tables and CSV, and the JSON of
 * each item (design.md section 7). Commands and the demo render through these, never their own
 * copies. An account's JSON comes from the one field list (`core/account-fields.ts`), so a field
 * the inventory gains reaches `rollcall users --format json` without an edit here.
 */
import { STORED_ACCOUNT_FIELDS, type StoredAccountField } from '../functions/core/account-fields.ts';
import type { ConnectorDefinition, ConnectorState, StoredAccount, StoredGroup, SyncCounts, SyncRun } from '../functions/core/types.ts';
import { roleOf, type RoleCount } from './entitlements.ts';
import type { Column } from './output.ts';

function field(header: string, name: StoredAccountField): Column<StoredAccount> {
  return { header, value: (account) => account[name] };
}

/**
 * The table and CSV columns of `rollcall users`: the app's own status with Rollcall's state beside
 * it. An account without an email (a user known by a login only) is shown by its login;
 * the JSON keeps both fields apart. The person's name is shown because it is how a reader tells
 * accounts apart; the external id and update time stay in the JSON.
 */
export const ACCOUNT_COLUMNS: readonly Column<StoredAccount>[] = [
  field('connector', 'connectorId'),
  field('id', 'id'),
  { header: 'email', value: (account) => account.email ?? account.login },
  field('name', 'name'),
  { header: 'role', value: roleOf },
  field('status', 'status'),
  field('state', 'state'),
  field('sso', 'ssoProvisioned'),
  field('first seen', 'firstSeenAt'),
  field('last login', 'lastLoginAt'),
  field('removed', 'removedAt'),
];

/** Every stored field of the account, then the names of the groups it is a current member of. */
export function accountJson(account: StoredAccount, groups: readonly string[]): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const name of STORED_ACCOUNT_FIELDS) json[name] = account[name];
  json.groups = groups;
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

/**
 * One connector as `rollcall connectors` lists it: its definition (connectors as data) beside its
 * state. A definition without a state was never polled yet; a state without a definition is a
 * connector removed without `--purge` (its inventory kept as history), or one polled only by
 * `rollcall poll`.
 */
export interface ConnectorRow {
  readonly connectorId: string;
  readonly definition: ConnectorDefinition | null;
  readonly state: ConnectorState | null;
}

export const CONNECTOR_ROW_COLUMNS: readonly Column<ConnectorRow>[] = [
  { header: 'connector', value: (r) => r.connectorId },
  { header: 'app', value: (r) => r.definition?.app ?? r.state?.app ?? null },
  { header: 'status', value: (r) => r.state?.status ?? null },
  { header: 'schedule', value: (r) => r.definition?.schedule ?? null },
  { header: 'enabled', value: (r) => r.definition?.enabled ?? null },
  { header: 'origin', value: (r) => r.definition?.origin ?? null },
  { header: 'next due', value: (r) => r.definition?.nextDueAt ?? null },
  { header: 'last success', value: (r) => r.state?.lastSuccessAt ?? null },
  { header: 'accounts', value: (r) => r.state?.counts.total ?? null },
];

/**
 * The state's fields as `connectorJson` has them (`null` for a connector never polled), and the
 * definition's (`null` without one). The app config is shown: it holds a region, a network, a URL,
 * never a credential (those live in the connector's secret).
 */
export function connectorRowJson(row: ConnectorRow): Record<string, unknown> {
  const { definition, state } = row;
  return {
    connectorId: row.connectorId,
    app: definition?.app ?? state?.app ?? null,
    schedule: definition?.schedule ?? null,
    enabled: definition?.enabled ?? null,
    origin: definition?.origin ?? null,
    nextDueAt: definition?.nextDueAt ?? null,
    config: definition?.config ?? null,
    secretArn: definition?.secretArn ?? null,
    status: state?.status ?? null,
    statusReason: state?.statusReason ?? null,
    statusChangedAt: state?.statusChangedAt ?? null,
    lastSyncAt: state?.lastSyncAt ?? null,
    lastSuccessAt: state?.lastSuccessAt ?? null,
    lastError: state?.lastError ?? null,
    counts: state?.counts ?? null,
  };
}

/** A poll's counts as its text summary shows them (design.md section 7 names them). */
export const COUNT_COLUMNS: readonly Column<SyncCounts>[] = [
  { header: 'active', value: (c) => c.total },
  { header: 'new', value: (c) => c.new },
  { header: 'changed', value: (c) => c.changed },
  { header: 'removed', value: (c) => c.removed },
  { header: 'restored', value: (c) => c.restored },
  { header: 'new users', value: (c) => c.newUsers },
  { header: 'associations', value: (c) => c.associations },
  { header: 'invalid', value: (c) => c.invalid },
];

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

export const GROUP_COLUMNS: readonly Column<StoredGroup>[] = [
  { header: 'connector', value: (g) => g.connectorId },
  { header: 'id', value: (g) => g.id },
  { header: 'name', value: (g) => g.name },
  { header: 'type', value: (g) => g.type },
  { header: 'active', value: (g) => g.active },
  { header: 'members', value: (g) => g.memberCount },
];

export function groupJson(group: StoredGroup): Record<string, unknown> {
  return {
    connectorId: group.connectorId,
    id: group.id,
    name: group.name,
    type: group.type,
    active: group.active,
    memberCount: group.memberCount,
    implicit: group.implicit,
    firstSeenAt: group.firstSeenAt,
    lastChangedAt: group.lastChangedAt,
    removedAt: group.removedAt,
  };
}

export const ROLE_COLUMNS: readonly Column<RoleCount>[] = [
  { header: 'connector', value: (r) => r.connectorId },
  { header: 'app', value: (r) => r.app },
  { header: 'role', value: (r) => r.role },
  { header: 'accounts', value: (r) => r.accounts },
];

export function roleJson(role: RoleCount): Record<string, unknown> {
  return { connectorId: role.connectorId, app: role.app, role: role.role, accounts: role.accounts };
}
