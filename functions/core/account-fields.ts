/**
 * The one list of an account's fields (design.md section 4). Readers that show or store every
 * field (the CLI's JSON view, the store's item mapping and projection) derive from it, so a field
 * added to `Account` is a compile error until it is listed here, and then appears everywhere.
 */
import type { Account, StoredAccount } from './types.ts';

/** What a connector reports for an account, in the order readers show them. */
export const ACCOUNT_FIELDS = [
  'id',
  'email',
  'emailKey',
  'name',
  'login',
  'externalId',
  'roleId',
  'roleName',
  'status',
  'state',
  'ssoProvisioned',
  'createdAt',
  'updatedAt',
  'lastLoginAt',
] as const satisfies readonly (keyof Account)[];

const STORED_LIST = [
  'connectorId',
  'app',
  ...ACCOUNT_FIELDS,
  'firstSeenAt',
  'lastChangedAt',
  'removedAt',
] as const satisfies readonly (keyof StoredAccount)[];

/** The list itself while it names every field of `StoredAccount`; otherwise a type naming the missing ones. */
type EveryField<L extends readonly (keyof StoredAccount)[]> = [Exclude<keyof StoredAccount, L[number]>] extends [never]
  ? L
  : { readonly unlistedFields: Exclude<keyof StoredAccount, L[number]> };

/** What the inventory keeps: the connector and app first, then the account, then Rollcall's own times. */
export const STORED_ACCOUNT_FIELDS: EveryField<typeof STORED_LIST> = STORED_LIST;

export type StoredAccountField = (typeof STORED_LIST)[number];

/**
 * The store's attribute of a field: the account's own id is stored as `accountId`, as `id` would
 * be ambiguous beside the connector's in the one-table design.
 */
export function accountAttributeOf(field: StoredAccountField): string {
  return field === 'id' ? 'accountId' : field;
}
