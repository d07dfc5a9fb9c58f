/** The connectors page (the console's home) and a connector's runs. */
import type { ConnectorOverview, Page } from '../../functions/core/read-model.ts';
import type { SyncRun } from '../../functions/core/types.ts';
import { CursorPager, connectorHref, StatusBadge, Text, Time } from './parts.tsx';

/** A connector that needs someone: its row and its reason stand out. */
function needsAttention(connector: ConnectorOverview): boolean {
  return connector.reconnectRequired || connector.status === 'ERROR';
}

export function ConnectorsPage(props: { readonly connectors: readonly ConnectorOverview[] }) {
  if (props.connectors.length === 0) {
    return <p class="empty">No connector has been polled into this inventory yet: run `rollcall poll` (or `rollcall demo`) first.</p>;
  }
  const attention = props.connectors.filter(needsAttention);
  return (
    <>
      {attention.length > 0 ? (
        <p class="callout alert" role="alert">
          {attention.length === 1 ? '1 connector needs attention' : `${attention.length} connectors need attention`}:{' '}
          {attention.map((c, i) => (
            <>
              {i > 0 ? ', ' : ''}
              <a href={`#connector-${c.connectorId}`}>{c.connectorId}</a>
            </>
          ))}
        </p>
      ) : null}
      <table class="data connectors">
        <thead>
          <tr>
            <th>connector</th>
            <th>app</th>
            <th>status</th>
            <th>reason / last error</th>
            <th>last success</th>
            <th>last sync</th>
            <th>last run</th>
            <th class="num">accounts</th>
            <th class="num">new</th>
            <th class="num">changed</th>
            <th class="num">removed</th>
            <th>see</th>
          </tr>
        </thead>
        <tbody>
          {props.connectors.map((c) => (
            <tr id={`connector-${c.connectorId}`} class={needsAttention(c) ? 'attention' : undefined}>
              <td>
                <a href={connectorHref(c.connectorId, 'accounts')}>{c.connectorId}</a>
              </td>
              <td>{c.app}</td>
              <td>
                <StatusBadge status={c.status} />
              </td>
              <td class={needsAttention(c) ? 'reason' : undefined}>
                <Text value={c.statusReason ?? c.lastError} />
                {c.statusReason !== null && c.lastError !== null && c.lastError !== c.statusReason ? (
                  <div class="detail">
                    last error: <Text value={c.lastError} />
                  </div>
                ) : null}
              </td>
              <td>
                <Time value={c.lastSuccessAt} />
              </td>
              <td>
                <Time value={c.lastSyncAt} />
              </td>
              <td>{c.lastRun === null ? <span class="none">–</span> : <a href={connectorHref(c.connectorId, 'runs')}>{c.lastRun.outcome}</a>}</td>
              <td class="num">{c.counts.total}</td>
              <td class="num">{c.counts.new}</td>
              <td class="num">{c.counts.changed}</td>
              <td class="num">{c.counts.removed}</td>
              <td class="links">
                <a href={connectorHref(c.connectorId, 'runs')}>runs</a> · <a href={connectorHref(c.connectorId, 'accounts')}>accounts</a> ·{' '}
                <a href={connectorHref(c.connectorId, 'review')}>review</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="hint">New, changed and removed count the connector's last sync.</p>
    </>
  );
}

export function RunsPage(props: { readonly connector: ConnectorOverview; readonly runs: Page<SyncRun>; readonly url: URL }) {
  return (
    <>
      <p>
        <StatusBadge status={props.connector.status} /> {props.connector.app} · <a href={connectorHref(props.connector.connectorId, 'accounts')}>accounts</a> ·{' '}
        <a href={connectorHref(props.connector.connectorId, 'review')}>access review</a>
      </p>
      {props.runs.items.length === 0 ? (
        <p class="empty">No run is recorded (runs are kept for 90 days).</p>
      ) : (
        <table class="data runs">
          <thead>
            <tr>
              <th>started</th>
              <th>outcome</th>
              <th>status</th>
              <th class="num">seconds</th>
              <th class="num">active</th>
              <th class="num">new</th>
              <th class="num">changed</th>
              <th class="num">removed</th>
              <th class="num">new people</th>
              <th class="num">access granted</th>
              <th class="num">access revoked</th>
              <th>anomalies / error</th>
            </tr>
          </thead>
          <tbody>
            {props.runs.items.map((run) => (
              <tr class={run.error !== null || run.anomalies.length > 0 ? 'attention' : undefined}>
                <td>
                  <Time value={run.startedAt} />
                </td>
                <td>{run.outcome}</td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td class="num">{(run.durationMs / 1000).toFixed(1)}</td>
                <td class="num">{run.counts.total}</td>
                <td class="num">{run.counts.new}</td>
                <td class="num">{run.counts.changed}</td>
                <td class="num">{run.counts.removed}</td>
                <td class="num">{run.counts.newUsers}</td>
                <td class="num">{run.counts.accessGranted}</td>
                <td class="num">{run.counts.accessRevoked}</td>
                <td class="reason">
                  <Text value={[...run.anomalies, ...(run.error !== null ? [run.error] : [])].join('; ')} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <CursorPager url={props.url} nextCursor={props.runs.nextCursor} />
    </>
  );
}
