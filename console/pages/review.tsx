/**
 * The access review: per connector, every present account with role, groups, state, last login and
 * first seen, for a reviewer to sign off; the CSV download holds every row, as
 * `rollcall review --format csv` prints them.
 */
import type { AccountRow, ConnectorOverview, Page } from '../../functions/core/read-model.ts';
import { AccountLink, CursorPager, connectorHref, Day, GroupTags, StateBadge, StatusBadge, Text, Time } from './parts.tsx';

export function reviewCsvHref(connectorId: string): string {
  return `/review/${encodeURIComponent(connectorId)}/csv`;
}

export function ReviewIndexPage(props: { readonly connectors: readonly ConnectorOverview[] }) {
  if (props.connectors.length === 0) return <p class="empty">No connector is in this inventory yet.</p>;
  return (
    <table class="data review-index">
      <thead>
        <tr>
          <th>connector</th>
          <th>app</th>
          <th>status</th>
          <th class="num">accounts</th>
          <th>last success</th>
          <th>review</th>
        </tr>
      </thead>
      <tbody>
        {props.connectors.map((c) => (
          <tr>
            <td>
              <a href={connectorHref(c.connectorId, 'review')}>{c.connectorId}</a>
            </td>
            <td>{c.app}</td>
            <td>
              <StatusBadge status={c.status} />
            </td>
            <td class="num">{c.counts.total}</td>
            <td>
              <Time value={c.lastSuccessAt} />
            </td>
            <td class="links">
              <a href={connectorHref(c.connectorId, 'review')}>review</a> · <a href={reviewCsvHref(c.connectorId)}>CSV</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ReviewPage(props: { readonly connector: ConnectorOverview; readonly rows: Page<AccountRow>; readonly url: URL }) {
  const { connector } = props;
  return (
    <>
      <div class="actions">
        <a class="button" href={reviewCsvHref(connector.connectorId)} download>
          Download CSV (every account)
        </a>
        <span>
          <StatusBadge status={connector.status} /> {connector.app} · {connector.counts.total} active accounts · inventory as of the last success,{' '}
          <Time value={connector.lastSuccessAt} />
        </span>
      </div>
      {connector.reconnectRequired || connector.status === 'ERROR' ? (
        <p class="callout alert">
          This connector's last sync did not succeed ({connector.statusReason ?? connector.lastError ?? connector.status}): the review shows the inventory of its last
          successful sync.
        </p>
      ) : null}
      {props.rows.items.length === 0 ? (
        <p class="empty">No account on this page.</p>
      ) : (
        <table class="data review">
          <thead>
            <tr>
              <th>email</th>
              <th>name</th>
              <th>role</th>
              <th>groups</th>
              <th>state</th>
              <th>status</th>
              <th>last login</th>
              <th>first seen</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.items.map(({ account, groups }) => (
              <tr>
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
                  <StateBadge state={account.state} removed={false} />
                </td>
                <td>
                  <Text value={account.status} />
                </td>
                <td>
                  <Time value={account.lastLoginAt} />
                </td>
                <td>
                  <Day value={account.firstSeenAt} />
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
