/**
 * Insights (read-model.ts, `insights`): offboarding gaps, dormant accounts, invitations left
 * pending, admins per app, accounts without email, and which apps report last login at all.
 */
import type { InsightAccount, Insights, OffboardingGap } from '../../functions/core/read-model.ts';
import { connectorHref, Day, personHref, StateBadge, Text, Time } from './parts.tsx';

/**
 * Rows each list shows: an inventory of 100,000 accounts may hold tens of thousands of dormant
 * ones, which no page should carry; the CSV download holds every finding.
 */
export const INSIGHT_ROWS_SHOWN = 100;

export function insightsCsvHref(days: number): string {
  return `/insights/csv?days=${days}`;
}

/** The first rows of a list, and a line saying how many more the CSV holds. */
function Shown<T>(props: { readonly rows: readonly T[]; readonly days: number; readonly render: (rows: readonly T[]) => unknown }) {
  const hidden = props.rows.length - INSIGHT_ROWS_SHOWN;
  return (
    <>
      {props.render(props.rows.slice(0, INSIGHT_ROWS_SHOWN))}
      {hidden > 0 ? (
        <p class="hint more">
          {`The first ${INSIGHT_ROWS_SHOWN} of ${props.rows.length}; `}
          <a href={insightsCsvHref(props.days)}>the CSV</a> lists all of them.
        </p>
      ) : null}
    </>
  );
}

function Card(props: { readonly label: string; readonly value: number; readonly href: string; readonly alert?: boolean }) {
  return (
    <a class={`card${props.alert === true && props.value > 0 ? ' alert' : ''}`} href={props.href}>
      <div class="value">{props.value}</div>
      <div class="label">{props.label}</div>
    </a>
  );
}

function Who(props: { readonly account: InsightAccount }) {
  const { account } = props;
  if (account.email === null) return <Text value={account.name ?? account.accountId} />;
  return <a href={personHref(account.email)}>{account.email}</a>;
}

function AccountTable(props: { readonly accounts: readonly InsightAccount[] }) {
  return (
    <table class="data">
      <thead>
        <tr>
          <th>connector</th>
          <th>account</th>
          <th>name</th>
          <th>role</th>
          <th>state</th>
          <th>last login</th>
          <th>first seen</th>
        </tr>
      </thead>
      <tbody>
        {props.accounts.map((account) => (
          <tr>
            <td>
              <a href={connectorHref(account.connectorId, 'accounts')}>{account.connectorId}</a>
            </td>
            <td class="email">
              <Who account={account} />
            </td>
            <td>
              <Text value={account.name} />
            </td>
            <td>
              <Text value={account.roleName} />
            </td>
            <td>
              <StateBadge state={account.state} removed={account.removedAt !== null} />
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
  );
}

function GapsTable(props: { readonly gaps: readonly OffboardingGap[] }) {
  return (
    <table class="data gaps">
      <thead>
        <tr>
          <th>person</th>
          <th>name</th>
          <th>gone or disabled in</th>
          <th>still active in</th>
        </tr>
      </thead>
      <tbody>
        {props.gaps.map((gap) => (
          <tr class="attention">
            <td class="email">
              <a href={personHref(gap.emailKey)}>{gap.emailKey}</a>
            </td>
            <td>
              <Text value={gap.name} />
            </td>
            <td>
              {gap.offboarded.map((account) => (
                <div>
                  {account.connectorId} <StateBadge state={account.state} removed={account.removedAt !== null} />
                </div>
              ))}
            </td>
            <td class="reason">
              {gap.stillActive.map((account) => (
                <div>
                  {account.connectorId} ({account.roleName ?? 'no role'})
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function None(props: { readonly text: string }) {
  return <p class="empty">{props.text}</p>;
}

export function InsightsPage(props: { readonly insights: Insights }) {
  const { insights } = props;
  const admins = insights.adminsPerApp.reduce((sum, app) => sum + app.admins.length, 0);
  const silent = insights.coverage.filter((coverage) => !coverage.reportsLastLogin);
  return (
    <>
      <form class="filters" method="get" action="/insights">
        <label>
          no login / pending for more than
          <select name="days">
            {[30, 60, 90, 180, 365].map((days) => (
              <option value={String(days)} selected={insights.days === days}>
                {days} days
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
        <a href={insightsCsvHref(insights.days)} download>
          Download CSV (every finding)
        </a>
        <span class="hint">
          as of <Time value={insights.generatedAt} />
        </span>
      </form>
      <div class="cards">
        <Card label="offboarding gaps (gone in one app, active in another)" value={insights.offboardingGaps.length} href="#gaps" alert={true} />
        <Card label={`accounts with no login for ${insights.days}+ days`} value={insights.dormant.length} href="#dormant" />
        <Card label={`invitations pending ${insights.pendingDays}+ days`} value={insights.pendingInvitations.length} href="#pending" />
        <Card label="admin accounts" value={admins} href="#admins" />
        <Card label="active accounts without email" value={insights.withoutEmail.length} href="#no-email" />
      </div>

      <h2 id="gaps">Offboarding gaps</h2>
      {insights.offboardingGaps.length === 0 ? (
        <None text="No person is removed or disabled in one app while still active in another." />
      ) : (
        <Shown rows={insights.offboardingGaps} days={insights.days} render={(gaps) => <GapsTable gaps={gaps} />} />
      )}

      <h2 id="dormant">No login for more than {insights.days} days</h2>
      {silent.length > 0 ? (
        <p class="hint">
          Not reported by {silent.map((c) => `${c.connectorId} (${c.app})`).join(', ')}: their apps give no last-login time, so none of their accounts is called dormant.
        </p>
      ) : null}
      {insights.dormant.length === 0 ? (
        <None text="None." />
      ) : (
        <Shown rows={insights.dormant} days={insights.days} render={(rows) => <AccountTable accounts={rows} />} />
      )}

      <h2 id="pending">Invitations pending for more than {insights.pendingDays} days</h2>
      {insights.pendingInvitations.length === 0 ? (
        <None text="None." />
      ) : (
        <Shown rows={insights.pendingInvitations} days={insights.days} render={(rows) => <AccountTable accounts={rows} />} />
      )}

      <h2 id="admins">Admins per app</h2>
      {insights.adminsPerApp.length === 0 ? (
        <None text="No connector." />
      ) : (
        <table class="data admins">
          <thead>
            <tr>
              <th>connector</th>
              <th>app</th>
              <th class="num">admins</th>
              <th class="num">active accounts</th>
              <th>who</th>
            </tr>
          </thead>
          <tbody>
            {insights.adminsPerApp.map((app) => (
              <tr>
                <td>
                  <a href={connectorHref(app.connectorId, 'accounts')}>{app.connectorId}</a>
                </td>
                <td>{app.app}</td>
                <td class="num">{app.admins.length}</td>
                <td class="num">{app.activeAccounts}</td>
                <td>
                  {app.admins.slice(0, INSIGHT_ROWS_SHOWN).map((account) => (
                    <div class="email">
                      <Who account={account} /> <span class="tag">{account.roleName ?? ''}</span>
                    </div>
                  ))}
                  {app.admins.length > INSIGHT_ROWS_SHOWN ? <div class="hint">{`and ${app.admins.length - INSIGHT_ROWS_SHOWN} more (in the CSV)`}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2 id="no-email">Active accounts without email</h2>
      {insights.withoutEmail.length === 0 ? (
        <None text="None: every active account can be matched to a person." />
      ) : (
        <Shown rows={insights.withoutEmail} days={insights.days} render={(rows) => <AccountTable accounts={rows} />} />
      )}
    </>
  );
}
