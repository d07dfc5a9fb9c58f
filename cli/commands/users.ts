/** `rollcall users`: the inventory's accounts, filtered by connector, person, first-seen time, role or group. */
import type { Command } from 'commander';
import { ConfigError } from '../../functions/core/errors.ts';
import { normaliseEmail } from '../../functions/core/normalise.ts';
import type { StoredAccount } from '../../functions/core/types.ts';
import type { ExitCodeSink } from '../command.ts';
import { loadAccountGroups, nameKey, roleOf } from '../entitlements.ts';
import { addStoreOptions, formatOption, parseConnectorId, parseSince, type StoreOptions } from '../options.ts';
import { stdout, terminalWidth, writeRows, type Format } from '../output.ts';
import { withInventory } from '../runtime.ts';
import { ACCOUNT_COLUMNS, accountJson } from '../views.ts';

interface UsersFlags extends StoreOptions {
  connector?: string;
  email?: string;
  newSince?: string;
  newUsers?: boolean;
  includeRemoved?: boolean;
  role?: string;
  group?: string;
  format: Format;
}

export function registerUsersCommand(program: Command, exit: ExitCodeSink): void {
  addStoreOptions(
    program
      .command('users')
      .description('list inventoried accounts')
      .option('--connector <id>', 'only this connector', parseConnectorId)
      .option('--email <email>', 'one person across connectors (case-insensitive)')
      .option('--new-since <when>', 'first seen since a duration ago (7d, 12h) or an ISO date', (value: string) => parseSince(value))
      .option('--new-users', 'with --new-since: only people never seen in any connector before then (not new associations)')
      .option('--include-removed', 'include removed accounts (with when they went)')
      .option('--role <name>', 'only accounts holding this role (its exact name, case-insensitive)')
      .option('--group <name>', 'only current members of groups of this name (exact, case-insensitive)')
      .addOption(formatOption(['table', 'json', 'csv'])),
  ).action(async (flags: UsersFlags) => {
    if (flags.newUsers === true && flags.newSince === undefined) {
      throw new ConfigError('--new-users needs --new-since: new since when?');
    }
    const emailKey = flags.email === undefined ? undefined : (normaliseEmail(flags.email) ?? '');
    const json = flags.format === 'json';
    const { accounts, newPeople, groups } = await withInventory(flags, async (inventory) => ({
      accounts: await inventory.store.queryAccounts({
        ...(flags.connector !== undefined ? { connectorId: flags.connector } : {}),
        ...(emailKey !== undefined ? { emailKey } : {}),
        ...(flags.newSince !== undefined ? { firstSeenSince: flags.newSince } : {}),
        includeRemoved: flags.includeRemoved === true,
      }),
      // People first seen in any connector since then (design.md section 4: "new user").
      newPeople:
        flags.newUsers === true && flags.newSince !== undefined
          ? new Set((await inventory.store.queryIdentities(flags.newSince)).map((identity) => identity.emailKey))
          : null,
      // Memberships are read only when shown (JSON) or filtered on: a table or CSV costs no group reads.
      groups:
        json || flags.group !== undefined
          ? await loadAccountGroups(inventory.store, {
              ...(flags.connector !== undefined ? { connectorId: flags.connector } : {}),
              ...(flags.group !== undefined ? { groupName: flags.group } : {}),
              names: json,
            })
          : null,
    }));
    const role = flags.role === undefined ? undefined : nameKey(flags.role);
    // The store answers the most selective criterion with a Query; the rest narrow here.
    const rows = accounts.filter(
      (a) =>
        (flags.connector === undefined || a.connectorId === flags.connector) &&
        (emailKey === undefined || a.emailKey === emailKey) &&
        (flags.newSince === undefined || a.firstSeenAt >= flags.newSince) &&
        (flags.includeRemoved === true || a.removedAt === null) &&
        (newPeople === null || (a.emailKey !== null && newPeople.has(a.emailKey))) &&
        (role === undefined || hasRole(a, role)) &&
        (groups === null || groups.isMember(a)),
    );
    // Fitted to a terminal's width; piped output keeps every character.
    const maxWidth = terminalWidth();
    writeRows(stdout, flags.format, rows, ACCOUNT_COLUMNS, (a) => accountJson(a, groups?.namesOf(a) ?? []), maxWidth === undefined ? {} : { maxWidth });
    exit.code = 0;
  });
}

function hasRole(account: StoredAccount, key: string): boolean {
  const role = roleOf(account);
  return role !== null && nameKey(role) === key;
}
