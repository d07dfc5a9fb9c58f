/** A connector's accounts, filtered (state, role, group, first seen since, removed) and paged by the store. */
import type { AccountRow, ConnectorOverview, GroupOption, Page } from '../../functions/core/read-model.ts';
import { AccountLink, CursorPager, connectorHref, Day, GroupTags, StateBadge, StatusBadge, Text, Time } from './parts.tsx';

/** The filter as the form shows it back (the text the reader typed, not only what it parsed to). */
export interface AccountFilterForm {
  readonly state: string;
  readonly role: string;
  readonly group: string;
  readonly since: string;
  readonly presence: string;
}

export interface AccountsPageProps {
  readonly connector: ConnectorOverview;
  readonly groups: readonly GroupOption[];
  readonly roles: readonly string[] | null;
  readonly form: AccountFilterForm;
  readonly rows: Page<AccountRow>;
  readonly url: URL;
}

export function AccountsPage(props: AccountsPageProps) {
  const { connector, form } = props;
  const base = connectorHref(connector.connectorId, 'accounts');
  return (
    <>
      <p>
        <StatusBadge status={connector.status} /> {connector.app} · {connector.counts.total} active accounts ·{' '}
        <a href={connectorHref(connector.connectorId, 'runs')}>runs</a> · <a href={connectorHref(connector.connectorId, 'review')}>access review</a>
      </p>
      <form class="filters" method="get" action={base}>
        <label>
          state
          <select name="state">
            {['', 'active', 'pending', 'disabled', 'unknown'].map((value) => (
              <option value={value} selected={form.state === value}>
                {value === '' ? 'any' : value}
              </option>
            ))}
          </select>
        </label>
        <label>
          role
          {props.roles === null ? (
            <input type="text" name="role" value={form.role} placeholder="exact role name" />
          ) : (
            <select name="role">
              <option value="" selected={form.role === ''}>
                any
              </option>
              {props.roles.map((role) => (
                <option value={role} selected={form.role === role}>
                  {role}
                </option>
              ))}
            </select>
          )}
        </label>
        {props.groups.length > 0 ? (
          <label>
            group
            <select name="group">
              <option value="" selected={form.group === ''}>
                any
              </option>
              {props.groups.map((group) => (
                <option value={group.groupId} selected={form.group === group.groupId}>
                  {group.name ?? group.groupId}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          new since
          <input type="text" name="since" value={form.since} placeholder="7d or 2026-11-01" />
        </label>
        <label>
          accounts
          <select name="presence">
            {[
              ['active', 'present'],
              ['removed', 'removed only'],
              ['all', 'present and removed'],
            ].map(([value, label]) => (
              <option value={value} selected={form.presence === value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
        <a class="reset" href={base}>
          reset
        </a>
      </form>
      <AccountsTable rows={props.rows.items} />
      <CursorPager url={props.url} nextCursor={props.rows.nextCursor} />
    </>
  );
}

export function AccountsTable(props: { readonly rows: readonly AccountRow[] }) {
  if (props.rows.length === 0) return <p class="empty">No account on this page matches.</p>;
  return (
    <table class="data accounts">
      <thead>
        <tr>
          <th>email</th>
          <th>name</th>
          <th>role</th>
          <th>groups</th>
          <th>status</th>
          <th>state</th>
          <th>first seen</th>
          <th>last login</th>
          <th>removed</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(({ account, groups }) => (
          <tr class={account.removedAt !== null ? 'removed' : undefined}>
            <td class="email">
              <AccountLink account={account} />
            </td>
            <td>
              <Text value={account.name} />
            </td>
            <td>
              <Text value={account.roleName ?? account.roleId} />
            </td>
            <td>
              <GroupTags groups={groups} />
            </td>
            <td>
              <Text value={account.status} />
            </td>
            <td>
              <StateBadge state={account.state} removed={account.removedAt !== null} />
            </td>
            <td>
              <Day value={account.firstSeenAt} />
            </td>
            <td>
              <Time value={account.lastLoginAt} />
            </td>
            <td>
              <Day value={account.removedAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
