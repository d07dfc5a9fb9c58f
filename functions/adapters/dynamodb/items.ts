/**
 * Inventory items <-> domain objects, pure. Keys come from table-definition.ts.
 *
 * A `null` field is stored by omitting its attribute (smaller items, and DynamoDB bills by size),
 * and an absent attribute (or a DynamoDB NULL) reads back as `null`. Credentials are never part of
 * any item: the connector state carries only the fingerprint of rejected credentials.
 */
import { STORED_ACCOUNT_FIELDS, accountAttributeOf } from '../../core/account-fields.ts';
import { ContractError } from '../../core/errors.ts';
import {
  ACCOUNT_STATES,
  ZERO_COUNTS,
  type AccountState,
  CONNECTOR_ORIGINS,
  type AppName,
  type ConnectorDefinition,
  type ConnectorOrigin,
  type ConnectorState,
  type ConnectorStatus,
  type LeaseHolder,
  type StoredAccount,
  type StoredGroup,
  type StoredIdentity,
  type StoredMembership,
  type SyncCounts,
  type SyncOutcome,
  type SyncRun,
} from '../../core/types.ts';
import { GLOBAL_SECONDARY_INDEXES, RUN_RETENTION_DAYS, TABLE_KEYS, keys, monthOf, shardOf } from './table-definition.ts';
import { INVENTORY_LIMITS, fitsBytes } from '../../core/limits.ts';
import { unpooled, type StringPool } from '../../core/string-pool.ts';

/** An item as the document client reads it: values are checked before use. */
export type StoredItem = Record<string, unknown>;
/** An item as the document client writes it. */
export type ItemToWrite = Record<
  string,
  string | number | boolean | readonly string[] | Record<string, number> | Record<string, string | number> | AppConfigMap
>;
/** A connector definition's app config: the app's own fields, as the registry validated them. */
type AppConfigMap = Readonly<Record<string, unknown>>;

/** Domain attributes of an account item: what `loadAccounts` projects (no key attributes). */
export const ACCOUNT_ATTRIBUTES: readonly string[] = STORED_ACCOUNT_FIELDS.map(accountAttributeOf);

/** Taken from ZERO_COUNTS so that a count added to the core is stored without touching this module. */
const COUNT_FIELDS = Object.keys(ZERO_COUNTS) as (keyof SyncCounts)[];

const SECONDS_PER_DAY = 86_400;

// ---------------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------------

export function accountKey(connectorId: string, accountId: string): { PK: string; SK: string } {
  return { PK: keys.connectorPk(connectorId), SK: keys.accountSk(accountId) };
}

/**
 * No spreads in the item builders: an object literal that starts with a spread and then grows
 * takes V8's slow path, measured at 20x the cost per item (100,000 items on a first sync).
 */
export function accountToItem(account: StoredAccount): ItemToWrite {
  const item: ItemToWrite = {
    PK: keys.connectorPk(account.connectorId),
    SK: keys.accountSk(account.id),
    GSI2PK: keys.accountFirstSeenGsi2Pk(monthOf(account.firstSeenAt), shardOf(`${account.connectorId}#${account.id}`)),
    GSI2SK: `${account.firstSeenAt}#${account.connectorId}#${account.id}`,
    connectorId: account.connectorId,
    accountId: account.id,
    app: account.app,
    firstSeenAt: account.firstSeenAt,
    lastChangedAt: account.lastChangedAt,
  };
  if (account.emailKey !== null) {
    item.GSI1PK = keys.emailGsi1Pk(account.emailKey);
    item.GSI1SK = keys.accountGsi1Sk(account.connectorId, account.id);
    item.emailKey = account.emailKey;
  }
  if (account.email !== null) item.email = account.email;
  if (account.name !== null) item.name = account.name;
  if (account.login !== null) item.login = account.login;
  if (account.externalId !== null) item.externalId = account.externalId;
  if (account.roleId !== null) item.roleId = account.roleId;
  if (account.roleName !== null) item.roleName = account.roleName;
  if (account.status !== null) item.status = account.status;
  if (account.state !== null) item.state = account.state;
  if (account.ssoProvisioned !== null) item.ssoProvisioned = account.ssoProvisioned;
  if (account.createdAt !== null) item.createdAt = account.createdAt;
  if (account.updatedAt !== null) item.updatedAt = account.updatedAt;
  if (account.lastLoginAt !== null) item.lastLoginAt = account.lastLoginAt;
  if (account.removedAt !== null) item.removedAt = account.removedAt;
  return assertItemFits(item, 'account');
}


/**
 * Built field by field (no spreads): `loadAccounts` runs this once per account, 100,000 times for
 * a large tenant. Fields that many accounts share go through `pool`; the per-account ones (id,
 * email, times of the account itself) do not, as pooling them would only add a map entry each.
 */
export function accountFromItem(item: StoredItem, pool: StringPool = unpooled): StoredAccount {
  const email = optionalString(item.email);
  const emailKey = optionalString(item.emailKey);
  return {
    id: requiredString(item, 'accountId'),
    email,
    // Most emails are stored lower-case already: one string serves both fields then.
    emailKey: emailKey !== null && emailKey === email ? email : emailKey,
    // Items written before names, logins, external ids and update times existed read back `null`.
    name: optionalString(item.name),
    login: optionalString(item.login),
    externalId: optionalString(item.externalId),
    roleId: pooled(pool, optionalString(item.roleId)),
    roleName: pooled(pool, optionalString(item.roleName)),
    status: pooled(pool, optionalString(item.status)),
    // Items written before states existed have none: `null` until the next listing says.
    state: accountStateOf(item.state),
    ssoProvisioned: typeof item.ssoProvisioned === 'boolean' ? item.ssoProvisioned : null,
    createdAt: optionalString(item.createdAt),
    updatedAt: optionalString(item.updatedAt),
    lastLoginAt: optionalString(item.lastLoginAt),
    connectorId: pool(requiredString(item, 'connectorId')),
    app: pool(requiredString(item, 'app')) as AppName,
    firstSeenAt: pool(requiredString(item, 'firstSeenAt')),
    lastChangedAt: pool(requiredString(item, 'lastChangedAt')),
    removedAt: pooled(pool, optionalString(item.removedAt)),
  };
}

function accountStateOf(value: unknown): AccountState | null {
  return typeof value === 'string' && (ACCOUNT_STATES as readonly string[]).includes(value) ? (value as AccountState) : null;
}

function pooled(pool: StringPool, value: string | null): string | null {
  return value === null ? null : pool(value);
}

// ---------------------------------------------------------------------------------------------
// Groups and memberships
// ---------------------------------------------------------------------------------------------

/** Domain attributes of a group item: what group loads and queries project. */
export const GROUP_ATTRIBUTES = [
  'connectorId',
  'groupId',
  'name',
  'type',
  'active',
  'memberCount',
  'implicit',
  'firstSeenAt',
  'lastChangedAt',
  'removedAt',
] as const;

/**
 * What a membership item holds besides its keys: ids and times only. There may be a hundred
 * memberships per account, so the group's name stays on the group item and the connector id in
 * the partition key (every read of memberships names its connector).
 */
export const MEMBERSHIP_ATTRIBUTES = ['groupId', 'accountId', 'grantedAt', 'revokedAt'] as const;

export function groupKey(connectorId: string, groupId: string): { PK: string; SK: string } {
  return { PK: keys.connectorPk(connectorId), SK: keys.groupSk(groupId) };
}

export function groupToItem(group: StoredGroup): ItemToWrite {
  const item: ItemToWrite = {
    PK: keys.connectorPk(group.connectorId),
    SK: keys.groupSk(group.id),
    connectorId: group.connectorId,
    groupId: group.id,
    firstSeenAt: group.firstSeenAt,
    lastChangedAt: group.lastChangedAt,
  };
  if (group.name !== null) item.name = group.name;
  if (group.type !== null) item.type = group.type;
  if (group.active !== null) item.active = group.active;
  if (group.memberCount !== null) item.memberCount = group.memberCount;
  if (group.implicit) item.implicit = true;
  if (group.removedAt !== null) item.removedAt = group.removedAt;
  return assertItemFits(item, 'group');
}

export function groupFromItem(item: StoredItem, pool: StringPool = unpooled): StoredGroup {
  return {
    id: requiredString(item, 'groupId'),
    name: optionalString(item.name),
    type: pooled(pool, optionalString(item.type)),
    active: typeof item.active === 'boolean' ? item.active : null,
    memberCount: typeof item.memberCount === 'number' ? item.memberCount : null,
    implicit: item.implicit === true,
    connectorId: pool(requiredString(item, 'connectorId')),
    firstSeenAt: pool(requiredString(item, 'firstSeenAt')),
    lastChangedAt: pool(requiredString(item, 'lastChangedAt')),
    removedAt: pooled(pool, optionalString(item.removedAt)),
  };
}

export function membershipKey(connectorId: string, groupId: string, accountId: string): { PK: string; SK: string } {
  return { PK: keys.connectorPk(connectorId), SK: keys.membershipSk(groupId, accountId) };
}

export function membershipToItem(membership: StoredMembership): ItemToWrite {
  const item: ItemToWrite = {
    PK: keys.connectorPk(membership.connectorId),
    SK: keys.membershipSk(membership.groupId, membership.accountId),
    GSI1PK: keys.accountMembershipsGsi1Pk(membership.connectorId, membership.accountId),
    GSI1SK: keys.membershipGsi1Sk(membership.groupId),
    groupId: membership.groupId,
    accountId: membership.accountId,
    grantedAt: membership.grantedAt,
  };
  if (membership.revokedAt !== null) item.revokedAt = membership.revokedAt;
  return assertItemFits(item, 'membership');
}

/**
 * `connectorId` comes from the query (the item does not repeat it). A connector's memberships
 * share few distinct group ids and times, and each account id recurs once per group: all pooled.
 */
export function membershipFromItem(item: StoredItem, connectorId: string, pool: StringPool = unpooled): StoredMembership {
  return {
    connectorId,
    groupId: pool(requiredString(item, 'groupId')),
    accountId: pool(requiredString(item, 'accountId')),
    grantedAt: pool(requiredString(item, 'grantedAt')),
    revokedAt: pooled(pool, optionalString(item.revokedAt)),
  };
}

// ---------------------------------------------------------------------------------------------
// Identities
// ---------------------------------------------------------------------------------------------

export function identityKey(emailKey: string): { PK: string; SK: string } {
  return { PK: keys.identityPk(emailKey), SK: keys.identitySk };
}

export function identityToItem(identity: StoredIdentity): ItemToWrite {
  const item: ItemToWrite = {
    PK: keys.identityPk(identity.emailKey),
    SK: keys.identitySk,
    GSI2PK: keys.identityFirstSeenGsi2Pk(monthOf(identity.firstSeenAt), shardOf(identity.emailKey)),
    GSI2SK: `${identity.firstSeenAt}#${identity.emailKey}`,
    emailKey: identity.emailKey,
    firstSeenAt: identity.firstSeenAt,
    firstConnectorId: identity.firstConnectorId,
  };
  return assertItemFits(item, 'identity');
}

export function identityFromItem(item: StoredItem): StoredIdentity {
  return {
    emailKey: requiredString(item, 'emailKey'),
    firstSeenAt: requiredString(item, 'firstSeenAt'),
    firstConnectorId: requiredString(item, 'firstConnectorId'),
  };
}

// ---------------------------------------------------------------------------------------------
// Connector state
// ---------------------------------------------------------------------------------------------

export function connectorKey(connectorId: string): { PK: string; SK: string } {
  return { PK: keys.connectorPk(connectorId), SK: keys.stateSk };
}

/**
 * Besides the state, the item keeps `settledStatus`: the last status that was not SYNCING. The
 * lease takes `previousStatus` from it, so a poll that dies while SYNCING never becomes the
 * status the next one returns to.
 */
export function connectorToItem(state: ConnectorState): ItemToWrite {
  const item: ItemToWrite = {
    PK: keys.connectorPk(state.connectorId),
    SK: keys.stateSk,
    GSI1PK: keys.connectorsGsi1Pk,
    GSI1SK: state.connectorId,
    connectorId: state.connectorId,
    app: state.app,
    status: state.status,
    statusChangedAt: state.statusChangedAt,
    counts: countsToItem(state.counts),
  };
  if (state.previousStatus !== null) item.previousStatus = state.previousStatus;
  if (state.statusReason !== null) item.statusReason = state.statusReason;
  if (state.lastSyncAt !== null) item.lastSyncAt = state.lastSyncAt;
  if (state.lastSuccessAt !== null) item.lastSuccessAt = state.lastSuccessAt;
  if (state.lastError !== null) item.lastError = state.lastError;
  if (state.rejectedFingerprint !== null) item.rejectedFingerprint = state.rejectedFingerprint;
  if (state.leaseOwner !== null) item.leaseOwner = state.leaseOwner;
  if (state.leaseExpiresAt !== null) item.leaseExpiresAt = state.leaseExpiresAt;
  if (state.leaseHolder !== null) item.leaseHolder = leaseHolderToItem(state.leaseHolder);
  if (state.identitiesVerified) item.identitiesVerified = true;
  const settled = state.status === 'SYNCING' ? state.previousStatus : state.status;
  if (settled !== null) item.settledStatus = settled;
  return assertItemFits(item, 'connector');
}

export function connectorFromItem(item: StoredItem): ConnectorState {
  return {
    connectorId: requiredString(item, 'connectorId'),
    app: requiredString(item, 'app') as AppName,
    status: requiredString(item, 'status') as ConnectorStatus,
    previousStatus: optionalString(item.previousStatus) as ConnectorStatus | null,
    statusChangedAt: requiredString(item, 'statusChangedAt'),
    statusReason: optionalString(item.statusReason),
    lastSyncAt: optionalString(item.lastSyncAt),
    lastSuccessAt: optionalString(item.lastSuccessAt),
    lastError: optionalString(item.lastError),
    counts: countsFromItem(item.counts),
    rejectedFingerprint: optionalString(item.rejectedFingerprint),
    leaseOwner: optionalString(item.leaseOwner),
    leaseExpiresAt: typeof item.leaseExpiresAt === 'number' ? item.leaseExpiresAt : null,
    leaseHolder: leaseHolderFromItem(item.leaseHolder),
    identitiesVerified: item.identitiesVerified === true,
  };
}

/** A map attribute; absent fields are omitted, as everywhere in the table. */
export function leaseHolderToItem(holder: LeaseHolder): Record<string, string | number> {
  if (holder.kind === 'lambda') return { kind: 'lambda', requestId: holder.requestId, functionName: holder.functionName };
  const item: Record<string, string | number> = { kind: 'process', host: holder.host, pid: holder.pid };
  if (holder.pidNamespace !== null) item.pidNamespace = holder.pidNamespace;
  return item;
}

/**
 * A holder that cannot be read (written by an older version, or damaged) reads as unknown: its
 * lease then simply lasts until it expires.
 */
export function leaseHolderFromItem(value: unknown): LeaseHolder | null {
  if (typeof value !== 'object' || value === null) return null;
  const map = value as Record<string, unknown>;
  if (map.kind === 'lambda' && typeof map.requestId === 'string' && typeof map.functionName === 'string') {
    return { kind: 'lambda', requestId: map.requestId, functionName: map.functionName };
  }
  if (map.kind === 'process' && typeof map.host === 'string' && typeof map.pid === 'number' && Number.isSafeInteger(map.pid)) {
    return { kind: 'process', host: map.host, pid: map.pid, pidNamespace: optionalString(map.pidNamespace) };
  }
  return null;
}

export function countsToItem(counts: SyncCounts): Record<string, number> {
  const item: Record<string, number> = {};
  for (const field of COUNT_FIELDS) item[field] = counts[field];
  return item;
}

/** A count missing from an older item reads as 0. */
function countsFromItem(value: unknown): SyncCounts {
  const map = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const counts = {} as Record<keyof SyncCounts, number>;
  for (const field of COUNT_FIELDS) {
    const count = map[field];
    counts[field] = typeof count === 'number' ? count : 0;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Connector definitions
// ---------------------------------------------------------------------------------------------

export function definitionKey(connectorId: string): { PK: string; SK: string } {
  return { PK: keys.connectorPk(connectorId), SK: keys.definitionSk };
}

/** An ISO time as `Date.toISOString` writes it: the due-time index sorts these as text. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Due times sort as text in the SCHEDULE index, so they must all have one shape. */
export function assertDueTime(value: string, what: string): string {
  if (!ISO_TIME.test(value)) throw new ContractError(`${what} must be an ISO time as toISOString writes it`);
  return value;
}

/**
 * The GSI2 (SCHEDULE) entry exists only while the connector is enabled and due some time: a
 * disabled connector is not in the index the dispatcher reads at all.
 */
export function definitionToItem(definition: ConnectorDefinition): ItemToWrite {
  const item: ItemToWrite = {
    PK: keys.connectorPk(definition.connectorId),
    SK: keys.definitionSk,
    GSI1PK: keys.definitionsGsi1Pk,
    GSI1SK: definition.connectorId,
    connectorId: definition.connectorId,
    app: definition.app,
    config: definition.config,
    schedule: definition.schedule,
    enabled: definition.enabled,
    origin: definition.origin,
    createdAt: definition.createdAt,
    updatedAt: definition.updatedAt,
  };
  if (definition.secretArn !== null) item.secretArn = definition.secretArn;
  if (definition.enabled && definition.nextDueAt !== null) {
    item.nextDueAt = assertDueTime(definition.nextDueAt, 'nextDueAt');
    item.GSI2PK = keys.scheduleGsi2Pk;
    item.GSI2SK = keys.scheduleGsi2Sk(definition.nextDueAt, definition.connectorId);
  }
  return assertItemFits(item, 'definition');
}

export function definitionFromItem(item: StoredItem): ConnectorDefinition {
  const enabled = item.enabled === true;
  const origin = requiredString(item, 'origin');
  if (!(CONNECTOR_ORIGINS as readonly string[]).includes(origin)) {
    throw new ContractError(`inventory item ${describeKey(item)} has an unknown origin`);
  }
  const config = item.config;
  return {
    connectorId: requiredString(item, 'connectorId'),
    app: requiredString(item, 'app') as AppName,
    config: typeof config === 'object' && config !== null && !Array.isArray(config) ? (config as Record<string, unknown>) : {},
    schedule: requiredString(item, 'schedule'),
    enabled,
    origin: origin as ConnectorOrigin,
    secretArn: optionalString(item.secretArn),
    createdAt: requiredString(item, 'createdAt'),
    updatedAt: requiredString(item, 'updatedAt'),
    // A disabled connector is never due, whatever a hand-edited item says.
    nextDueAt: enabled ? optionalString(item.nextDueAt) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Sync runs
// ---------------------------------------------------------------------------------------------

/** Epoch seconds at which TTL may delete a run: RUN_RETENTION_DAYS after it finished. */
export function runExpiresAt(finishedAt: string): number {
  return Math.floor(Date.parse(finishedAt) / 1000) + RUN_RETENTION_DAYS * SECONDS_PER_DAY;
}

export function runToItem(run: SyncRun): ItemToWrite {
  const item: ItemToWrite = {
    PK: keys.connectorPk(run.connectorId),
    SK: keys.runSk(run.startedAt, run.runId),
    connectorId: run.connectorId,
    runId: run.runId,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    status: run.status,
    outcome: run.outcome,
    counts: countsToItem(run.counts),
    expiresAt: runExpiresAt(run.finishedAt),
  };
  if (run.error !== null) item.error = run.error;
  if (run.anomalies.length > 0) item.anomalies = run.anomalies;
  return assertItemFits(item, 'run');
}

export function runFromItem(item: StoredItem): SyncRun {
  const anomalies = Array.isArray(item.anomalies)
    ? item.anomalies.filter((anomaly): anomaly is string => typeof anomaly === 'string')
    : [];
  return {
    connectorId: requiredString(item, 'connectorId'),
    runId: requiredString(item, 'runId'),
    startedAt: requiredString(item, 'startedAt'),
    finishedAt: requiredString(item, 'finishedAt'),
    durationMs: typeof item.durationMs === 'number' ? item.durationMs : 0,
    status: requiredString(item, 'status') as ConnectorStatus,
    outcome: requiredString(item, 'outcome') as SyncOutcome,
    counts: countsFromItem(item.counts),
    error: optionalString(item.error),
    anomalies,
  };
}

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

const PARTITION_KEY_ATTRIBUTES = [TABLE_KEYS.partitionKey, ...GLOBAL_SECONDARY_INDEXES.map((index) => index.partitionKey)];
const SORT_KEY_ATTRIBUTES = [TABLE_KEYS.sortKey, ...GLOBAL_SECONDARY_INDEXES.map((index) => index.sortKey)];

/**
 * The core refuses records the inventory cannot hold (`core/limits.ts`) before they reach a builder;
 * this holds every item to the same limits, so a value that slipped through fails here, naming the
 * attribute and the limit (never the value), rather than as DynamoDB's ValidationException.
 */
export function assertItemFits<T extends ItemToWrite>(item: T, kind: string): T {
  for (const attribute of PARTITION_KEY_ATTRIBUTES) assertKeyFits(item, kind, attribute, INVENTORY_LIMITS.partitionKeyBytes, 'partition');
  for (const attribute of SORT_KEY_ATTRIBUTES) assertKeyFits(item, kind, attribute, INVENTORY_LIMITS.sortKeyBytes, 'sort');
  if (itemBytes(item, 'bound') > INVENTORY_LIMITS.itemBytes) {
    const bytes = itemBytes(item, 'exact');
    if (bytes > INVENTORY_LIMITS.itemBytes) {
      throw new ContractError(`${kind} item is ${bytes} bytes, above DynamoDB's ${INVENTORY_LIMITS.itemBytes}-byte item limit`);
    }
  }
  return item;
}

function assertKeyFits(item: ItemToWrite, kind: string, attribute: string, limit: number, what: string): void {
  const value = item[attribute];
  if (typeof value !== 'string' || fitsBytes(value, limit)) return;
  throw new ContractError(
    `${kind} item's ${attribute} is ${Buffer.byteLength(value, 'utf8')} bytes, above DynamoDB's ${limit}-byte ${what} key limit`,
  );
}

/**
 * An item's size as DynamoDB counts it: UTF-8 bytes of names and strings, at most 21 bytes per
 * number, 1 per boolean, 3 per list or map element. `bound` counts 3 bytes per UTF-16 unit, which
 * never undercounts and needs no encoding: most items are measured that way only.
 */
function itemBytes(item: ItemToWrite, mode: 'bound' | 'exact'): number {
  const text = mode === 'bound' ? (value: string) => value.length * 3 : (value: string) => Buffer.byteLength(value, 'utf8');
  const valueBytes = (value: unknown): number => {
    if (typeof value === 'string') return text(value);
    if (typeof value === 'number') return 21;
    if (typeof value === 'boolean') return 1;
    if (Array.isArray(value)) return value.reduce<number>((sum, element) => sum + 3 + valueBytes(element), 3);
    if (typeof value === 'object' && value !== null) {
      return Object.entries(value).reduce<number>((sum, [name, element]) => sum + 3 + text(name) + valueBytes(element), 3);
    }
    return 1;
  };
  let bytes = 0;
  for (const name in item) bytes += text(name) + valueBytes(item[name]);
  return bytes;
}

// ---------------------------------------------------------------------------------------------

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Only the store writes these items; a missing attribute means a damaged item, named by key, never by value. */
function requiredString(item: StoredItem, attribute: string): string {
  const value = item[attribute];
  if (typeof value === 'string') return value;
  throw new ContractError(`inventory item ${describeKey(item)} lacks attribute ${attribute}`);
}

function describeKey(item: StoredItem): string {
  const pk = typeof item.PK === 'string' ? item.PK : '?';
  const sk = typeof item.SK === 'string' ? item.SK : '?';
  // Identity keys embed an email: name the item kind only.
  return pk.startsWith(keys.identityPk('')) ? 'IDENTITY' : `${pk} / ${sk}`;
}
