/**
 * The console's routes: every one a GET that reads the inventory through the console's read model
 * (functions/core/read-model.ts), behind the guard (guard.ts). Pages are rendered on the server;
 * the only script is the changes chart's, served from /assets/ with Chart.js.
 */
import { Hono, type Context } from 'hono';
import { renderCsv } from '../cli/output.ts';
import { INSIGHT_COLUMNS, insightRows, REVIEW_COLUMNS } from '../cli/read-model-views.ts';
import type { Child } from 'hono/jsx';
import { ConfigError } from '../functions/core/errors.ts';
import { systemClock, type Clock } from '../functions/core/ports.ts';
import type { ConsoleReader } from '../functions/core/read-model.ts';
import { CONNECTOR_ID_PATTERN } from '../functions/core/types.ts';
import type { Assets } from './assets.ts';
import { guard, securityHeaders, type HostRule } from './guard.ts';
import { AccountsPage } from './pages/accounts.tsx';
import { ChangesPage } from './pages/changes.tsx';
import { ConnectorsPage, RunsPage } from './pages/connectors.tsx';
import { InsightsPage } from './pages/insights.tsx';
import { Layout, type Section } from './pages/layout.tsx';
import { PeoplePage, PersonPage } from './pages/people.tsx';
import { ReviewIndexPage, ReviewPage } from './pages/review.tsx';
import { accountFilterOf, BadRequestError, cursorOf, daysOf, searchOf } from './query.ts';

const CHANGE_DAYS = [7, 30, 90, 365];
const INSIGHT_DAYS = [30, 60, 90, 180, 365];
const DAY_MS = 86_400_000;

export interface ConsoleAppOptions {
  readonly reader: ConsoleReader;
  readonly token: string;
  readonly hosts: HostRule;
  readonly assets: Assets;
  /** Where the inventory is read from, shown in the page header. */
  readonly source: string;
  readonly clock?: Clock;
}

export function createConsoleApp(options: ConsoleAppOptions): Hono {
  const { reader } = options;
  const clock = options.clock ?? systemClock;
  const app = new Hono();
  app.use('*', securityHeaders());
  app.use('*', guard({ token: options.token, hosts: options.hosts }));

  const page = (c: Context, title: string, section: Section | null, body: Child, scripts?: readonly string[]) =>
    c.html(
      `<!DOCTYPE html>${(
        <Layout title={title} section={section} source={options.source} scripts={scripts ?? []}>
          {body}
        </Layout>
      ).toString()}`,
    );
  const connectors = async () => reader.listConnectors();
  const connector = async (id: string) => {
    const found = CONNECTOR_ID_PATTERN.test(id) ? (await connectors()).find((c) => c.connectorId === id) : undefined;
    if (found === undefined) throw new BadRequestError('No connector of that id in this inventory.', 404);
    return found;
  };
  const urlOf = (c: Context) => new URL(c.req.url);

  app.get('/assets/:name', (c) => {
    const asset = options.assets.get(c.req.param('name'));
    if (asset === undefined) return c.notFound();
    return c.body(new Uint8Array(asset.body), 200, { 'Content-Type': asset.contentType, 'Cache-Control': 'private, max-age=3600' });
  });
  // Browsers ask for it on their own; an empty answer keeps the log and the console quiet.
  app.get('/favicon.ico', (c) => c.body(null, 204));

  app.get('/', async (c) => page(c, 'Connectors', 'connectors', <ConnectorsPage connectors={await connectors()} />));

  app.get('/connectors/:id/runs', async (c) => {
    const found = await connector(c.req.param('id'));
    const runs = await reader.listRuns(found.connectorId, { cursor: cursorOf(urlOf(c)) });
    return page(c, `Runs of ${found.connectorId}`, 'connectors', <RunsPage connector={found} runs={runs} url={urlOf(c)} />);
  });

  app.get('/connectors/:id/accounts', async (c) => {
    const found = await connector(c.req.param('id'));
    const url = urlOf(c);
    const { filter, form } = accountFilterOf(url, clock.now());
    const [groups, rows] = await Promise.all([
      reader.listGroups(found.connectorId),
      reader.listAccounts({ connectorId: found.connectorId, filter, cursor: cursorOf(url) }),
    ]);
    return page(
      c,
      `Accounts of ${found.connectorId}`,
      'connectors',
      <AccountsPage connector={found} groups={groups} roles={null} form={form} rows={rows} url={url} />,
    );
  });

  app.get('/people', async (c) => {
    const url = urlOf(c);
    const search = searchOf(url);
    const rows = await reader.listPeople({ ...(search !== '' ? { search } : {}), cursor: cursorOf(url) });
    return page(c, 'People', 'people', <PeoplePage search={search} rows={rows} url={url} />);
  });

  app.get('/people/:email', async (c) => {
    const person = await reader.getPerson(c.req.param('email'));
    if (person === null) throw new BadRequestError('No person with that email in this inventory.', 404);
    return page(c, person.emailKey, 'people', <PersonPage person={person} />);
  });

  app.get('/changes', async (c) => {
    const url = urlOf(c);
    const days = daysOf(url, CHANGE_DAYS, 30);
    const connectorId = url.searchParams.get('connector') ?? '';
    if (connectorId !== '') await connector(connectorId);
    const today = clock.now().getTime();
    const activity = await reader.activity({
      from: new Date(today - (days - 1) * DAY_MS).toISOString().slice(0, 10),
      to: new Date(today).toISOString().slice(0, 10),
      ...(connectorId !== '' ? { connectorId } : {}),
    });
    return page(
      c,
      'Changes over time',
      'changes',
      <ChangesPage connectors={await connectors()} connectorId={connectorId} days={days} activity={activity} />,
      ['/assets/chart.umd.min.js', '/assets/changes-chart.js'],
    );
  });

  app.get('/insights', async (c) => {
    const days = daysOf(urlOf(c), INSIGHT_DAYS, 90);
    return page(c, 'Insights', 'insights', <InsightsPage insights={await reader.insights({ days })} />);
  });

  app.get('/insights/csv', async (c) => {
    const days = daysOf(urlOf(c), INSIGHT_DAYS, 90);
    const day = clock.now().toISOString().slice(0, 10);
    // The same rows as `rollcall insights --days N --format csv`.
    return c.body(renderCsv(insightRows(await reader.insights({ days })), INSIGHT_COLUMNS), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="rollcall-insights-${days}d-${day}.csv"`,
    });
  });

  app.get('/review', async (c) => page(c, 'Access review', 'review', <ReviewIndexPage connectors={await connectors()} />));

  app.get('/review/:id', async (c) => {
    const found = await connector(c.req.param('id'));
    const url = urlOf(c);
    const rows = await reader.listAccounts({ connectorId: found.connectorId, filter: { presence: 'active' }, cursor: cursorOf(url) });
    return page(c, `Access review of ${found.connectorId}`, 'review', <ReviewPage connector={found} rows={rows} url={url} />);
  });

  app.get('/review/:id/csv', async (c) => {
    const found = await connector(c.req.param('id'));
    const day = clock.now().toISOString().slice(0, 10);
    // The same columns and cells as `rollcall review --format csv`.
    return c.body(renderCsv(await reader.review(found.connectorId), REVIEW_COLUMNS), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      // The connector id is plain (CONNECTOR_ID_PATTERN): it needs no quoting in a file name.
      'Content-Disposition': `attachment; filename="rollcall-review-${found.connectorId}-${day}.csv"`,
    });
  });

  app.notFound((c) => {
    c.status(404);
    return page(c, 'Not found', null, <p class="empty">No page here.</p>);
  });
  app.onError((error, c) => {
    // A cursor of another query (or a tampered one) is the reader's ConfigError: the reader's message names no value.
    if (error instanceof BadRequestError || error instanceof ConfigError) {
      const status = error instanceof BadRequestError ? error.status : 400;
      c.status(status);
      return page(c, status === 404 ? 'Not found' : 'Bad request', null, <p class="callout warn">{error.message}</p>);
    }
    // The cause stays out of the page: it may carry inventory values.
    c.status(500);
    return page(c, 'The inventory could not be read', null, <p class="callout alert">Reading the inventory failed ({error.name}). Reload to try again.</p>);
  });
  return app;
}
