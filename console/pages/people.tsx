/** People across connectors (one row per normalised email), and one person with every account and its history. */
import type { FieldChange } from '../../functions/core/events.ts';
import type { AccountHistoryEntry, Page, PersonDetail, PersonRow, PersonState } from '../../functions/core/read-model.ts';
import { CursorPager, connectorHref, Day, GroupTags, personHref, StateBadge, Text, Time } from './parts.tsx';

function PersonStateBadge(props: { readonly state: PersonState }) {
  if (props.state === 'removed') return <StateBadge state={null} removed={true} />;
  if (props.state === 'unknown') return <span class="none">–</span>;
  return <StateBadge state={props.state} removed={false} />;
}

export function PeoplePage(props: { readonly search: string; readonly rows: Page<PersonRow>; readonly url: URL }) {
  return (
    <>
      <form class="filters" method="get" action="/people">
        <label>
          search by email or name
          <input type="search" name="q" value={props.search} placeholder="ana@ or Ana" autofocus />
        </label>
        <button type="submit">Search</button>
        {props.search !== '' ? (
          <a class="reset" href="/people">
            everyone
          </a>
        ) : null}
      </form>
      {props.rows.items.length === 0 ? (
        <p class="empty">{props.search === '' ? 'No person is in this inventory yet.' : 'No person on this page matches.'}</p>
      ) : (
        <table class="data people">
          <thead>
            <tr>
              <th>person</th>
              <th>name</th>
              <th>state</th>
              <th>accounts (connector: role, state)</th>
              <th>groups</th>
              <th>first seen</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.items.map((person) => (
              <tr class={person.state === 'removed' ? 'removed' : undefined}>
                <td class="email">
                  <a href={personHref(person.emailKey)}>{person.emailKey}</a>
                </td>
                <td>
                  <Text value={person.name} />
                </td>
                <td>
                  <PersonStateBadge state={person.state} />
                </td>
                <td>
                  {person.accounts.map((account) => (
                    <div class="account-line">
                      <a href={connectorHref(account.connectorId, 'accounts')}>{account.connectorId}</a>: <Text value={account.roleName} />,{' '}
                      <StateBadge state={account.state} removed={account.removedAt !== null} />
                    </div>
                  ))}
                </td>
                <td>
                  <GroupTags groups={person.accounts.flatMap((account) => (account.removedAt === null ? account.groups : []))} />
                </td>
                <td>
                  <Day value={person.firstSeenAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <CursorPager url={props.url} nextCursor={props.rows.nextCursor} />
    </>
  );
}

/** How a person reads a changed field: role ids are the app's opaque keys, so only the fact shows, the ids on hover. */
function ChangeText(props: { readonly change: FieldChange }) {
  const { field, from, to } = props.change;
  if (field === 'roleId') return <span title={`${String(from)} → ${String(to)}`}>role changed</span>;
  const label = field === 'ssoProvisioned' ? 'SSO' : field === 'emailKey' ? 'email' : field;
  return <>{`${label} ${from === null ? '–' : String(from)} → ${to === null ? '–' : String(to)}`}</>;
}

function HistoryEntry(props: { readonly entry: AccountHistoryEntry }) {
  const { entry } = props;
  switch (entry.kind) {
    case 'first-seen':
      return (
        <li>
          <Time value={entry.at} /> first seen
        </li>
      );
    case 'removed':
      return (
        <li>
          <Time value={entry.at} /> removed
        </li>
      );
    case 'restored':
      return (
        <li>
          <Time value={entry.at} /> back after a removal
        </li>
      );
    case 'changed':
      return (
        <li>
          <Time value={entry.at} /> changed:{' '}
          {entry.changes.map((change, index) => (
            <>
              {index > 0 ? ', ' : ''}
              <ChangeText change={change} />
            </>
          ))}
        </li>
      );
  }
}

export function PersonPage(props: { readonly person: PersonDetail }) {
  const { person } = props;
  return (
    <>
      <dl class="facts">
        <dt>email</dt>
        <dd class="email">{person.emailKey}</dd>
        <dt>name</dt>
        <dd>
          <Text value={person.name} />
        </dd>
        <dt>state</dt>
        <dd>
          <PersonStateBadge state={person.state} />
        </dd>
        <dt>first seen</dt>
        <dd>
          {person.identity === null ? (
            <span class="none">–</span>
          ) : (
            <>
              <Time value={person.identity.firstSeenAt} /> in {person.identity.firstConnectorId}
            </>
          )}
        </dd>
        <dt>accounts</dt>
        <dd>{person.accounts.length}</dd>
      </dl>
      {person.accounts.map(({ account, history, memberships }) => (
        <section class="person-account">
          <h2>
            <a href={connectorHref(account.connectorId, 'accounts')}>{account.connectorId}</a> ({account.app}){' '}
            <StateBadge state={account.state} removed={account.removedAt !== null} />
          </h2>
          <table class="data">
            <thead>
              <tr>
                <th>account id</th>
                <th>email as the app spells it</th>
                <th>role</th>
                <th>status</th>
                <th>first seen</th>
                <th>last login</th>
                <th>removed</th>
                <th>history</th>
              </tr>
            </thead>
            <tbody>
              <tr class={account.removedAt !== null ? 'removed' : undefined}>
                <td>{account.id}</td>
                <td>
                  <Text value={account.email} />
                </td>
                <td>
                  <Text value={account.roleName ?? account.roleId} />
                </td>
                <td>
                  <Text value={account.status} />
                </td>
                <td>
                  <Time value={account.firstSeenAt} />
                </td>
                <td>
                  <Time value={account.lastLoginAt} />
                </td>
                <td>
                  <Time value={account.removedAt} />
                </td>
                <td>
                  <ol class="history">
                    {history.map((entry) => (
                      <HistoryEntry entry={entry} />
                    ))}
                  </ol>
                </td>
              </tr>
            </tbody>
          </table>
          {memberships.length > 0 ? (
            <table class="data memberships">
              <thead>
                <tr>
                  <th>group</th>
                  <th>type</th>
                  <th>granted</th>
                  <th>revoked</th>
                </tr>
              </thead>
              <tbody>
                {memberships.map((membership) => (
                  <tr class={membership.revokedAt !== null ? 'removed' : undefined}>
                    <td>{membership.name ?? membership.groupId}</td>
                    <td>
                      <Text value={membership.type} />
                    </td>
                    <td>
                      <Time value={membership.grantedAt} />
                    </td>
                    <td>
                      <Time value={membership.revokedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      ))}
    </>
  );
}
