/**
 * Changes over time: per UTC day, summed from the recorded sync runs (read-model.ts, `activity`),
 * drawn by Chart.js from /assets/ (changes-chart.js reads the series from the canvas's data
 * attribute: no inline script), with the same numbers in a table below.
 */
import type { ConnectorOverview, DailyActivity } from '../../functions/core/read-model.ts';

/** The series drawn, in order: the chart script colours them by position. */
export const CHANGE_SERIES: readonly { readonly key: keyof Omit<DailyActivity, 'day' | 'runs'>; readonly label: string }[] = [
  { key: 'newPeople', label: 'new people' },
  { key: 'newAssociations', label: 'new associations' },
  { key: 'removals', label: 'removals' },
  { key: 'accountChanges', label: 'account changes' },
  { key: 'accessGranted', label: 'access granted' },
  { key: 'accessRevoked', label: 'access revoked' },
];

export interface ChangesPageProps {
  readonly connectors: readonly ConnectorOverview[];
  readonly connectorId: string;
  readonly days: number;
  readonly activity: readonly DailyActivity[];
}

export function ChangesPage(props: ChangesPageProps) {
  const chart = {
    days: props.activity.map((day) => day.day),
    series: CHANGE_SERIES.map((series) => ({ label: series.label, values: props.activity.map((day) => day[series.key]) })),
  };
  const busyDays = props.activity.filter((day) => CHANGE_SERIES.some((series) => day[series.key] > 0));
  return (
    <>
      <form class="filters" method="get" action="/changes">
        <label>
          connector
          <select name="connector">
            <option value="" selected={props.connectorId === ''}>
              all connectors
            </option>
            {props.connectors.map((c) => (
              <option value={c.connectorId} selected={props.connectorId === c.connectorId}>
                {c.connectorId}
              </option>
            ))}
          </select>
        </label>
        <label>
          days
          <select name="days">
            {[7, 30, 90, 365].map((days) => (
              <option value={String(days)} selected={props.days === days}>
                last {days} days
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      <div class="chart-box">
        <canvas id="changes-chart" data-chart={JSON.stringify(chart)} aria-label="changes per day" role="img"></canvas>
      </div>
      <h2>Days with changes</h2>
      {busyDays.length === 0 ? (
        <p class="empty">No change was recorded in these days (runs are kept for 90 days).</p>
      ) : (
        <table class="data changes">
          <thead>
            <tr>
              <th>day</th>
              {CHANGE_SERIES.map((series) => (
                <th class="num">{series.label}</th>
              ))}
              <th class="num">runs</th>
            </tr>
          </thead>
          <tbody>
            {busyDays.map((day) => (
              <tr>
                <td>{day.day}</td>
                {CHANGE_SERIES.map((series) => (
                  <td class="num">{day[series.key]}</td>
                ))}
                <td class="num">{day.runs}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
