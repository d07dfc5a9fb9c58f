/**
 * `rollcall demo` (what `npm start` runs): a simulated Torq tenant inventoried into an embedded
 * store, churned, re-polled, broken and reconnected, with no AWS account and no real credentials.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ConnectorFactory } from '../../functions/connectors/index.ts';
import {
  applyChurn,
  generateWorkspace,
  startTorqSimulator,
  type TorqSimulator,
} from '../../simulators/torq/index.ts';
import type { RollcallEvent } from '../../functions/core/events.ts';
import type { PollResult } from '../../functions/core/poll.ts';
import { silentLogger } from '../../functions/core/ports.ts';
import type { ExitCodeSink } from '../command.ts';
import { reconnectConnector } from '../../functions/core/reconnect.ts';
import { describePollResult, pollLocally } from '../local-poll.ts';
import { renderTable } from '../output.ts';
import { withInventory, type Inventory } from '../runtime.ts';
import { CONNECTOR_COLUMNS } from '../views.ts';

const PROD_USERS = 300;
const SANDBOX_USERS = 30;
const SHARED_PEOPLE = 24;

interface DemoFlags {
  dataDir?: string;
}

interface Tenant {
  readonly connectorId: string;
  readonly simulator: TorqSimulator;
  readonly createConnector: ConnectorFactory;
  credentials: { clientId: string; clientSecret: string };
}

type Say = (text?: string) => void;

async function poll(inventory: Inventory, tenant: Tenant, captured: RollcallEvent[]): Promise<PollResult> {
  const tee: Inventory = {
    ...inventory,
    events: {
      publish: async (events) => {
        captured.push(...events);
        await inventory.events.publish(events);
      },
    },
  };
  return pollLocally(tee, {
    connectorId: tenant.connectorId,
    app: 'torq',
    createConnector: tenant.createConnector,
    env: { TORQ_CLIENT_ID: tenant.credentials.clientId, TORQ_CLIENT_SECRET: tenant.credentials.clientSecret },
    showProgress: false,
    logger: silentLogger,
  });
}

/** One row per change a person would care about; a new user's two events make one row. */
function changesTable(events: readonly RollcallEvent[]): string {
  const newPeople = new Set(events.flatMap((e) => (e.detailType === 'UserDiscovered' && 'emailKey' in e.detail ? [e.detail.emailKey] : [])));
  const rows: { change: string; who: string; what: string }[] = [];
  for (const event of events) {
    const detail = event.detail;
    switch (event.detailType) {
      case 'AppAssociationDiscovered':
        if ('returning' in detail) {
          const known = !newPeople.has(detail.emailKey);
          rows.push({
            change: known ? 'new association' : 'new user',
            who: detail.account.email ?? detail.account.accountId,
            what: known ? 'known from another app, first time here' : `role ${detail.account.roleName ?? '?'}`,
          });
        }
        break;
      case 'AccountChanged':
        if ('changes' in detail) {
          const what = detail.changes.map((c) =>
            c.field === 'roleId' ? `role ${detail.previous.roleName ?? '?'} -> ${detail.account.roleName ?? '?'}` : `${c.field} ${String(c.from)} -> ${String(c.to)}`,
          );
          rows.push({ change: 'changed', who: detail.account.email ?? detail.account.accountId, what: what.join(', ') });
        }
        break;
      case 'AccountRemoved':
        if ('firstSeenAt' in detail) rows.push({ change: 'removed', who: detail.account.email ?? detail.account.accountId, what: `first seen ${detail.firstSeenAt.slice(0, 10)}` });
        break;
      case 'ConnectorReconnectRequired':
      case 'ConnectorRecovered':
      case 'SyncAnomaly':
        rows.push({ change: event.detailType, who: event.connectorId, what: 'reason' in detail ? detail.reason : 'message' in detail ? detail.message : '' });
        break;
      default:
        break;
    }
  }
  if (rows.length === 0) return '   (no events)';
  const order = ['new user', 'new association', 'changed', 'removed'];
  rows.sort((a, b) => (order.indexOf(a.change) + 1 || 99) - (order.indexOf(b.change) + 1 || 99) || a.who.localeCompare(b.who));
  return renderTable(rows, [
    { header: 'change', value: (r) => r.change },
    { header: 'who', value: (r) => r.who },
    { header: 'what', value: (r) => r.what },
  ]);
}

export async function runDemo(say: Say, dataDir?: string): Promise<number> {
  // Loaded on use, so that `rollcall --help` does not pay for every connector.
  const { createConnectorFactory } = await import('../../functions/connectors/index.ts');
  const connectorTo = (simulator: TorqSimulator) =>
    createConnectorFactory('torq', { apiUrl: simulator.apiUrl, authUrl: simulator.authUrl });
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'rollcall-demo-')));
  const prodWorkspace = generateWorkspace({ users: PROD_USERS, seed: 7 });
  const sandboxWorkspace = generateWorkspace({ users: SANDBOX_USERS, seed: 8 });
  // The sandbox is used by people who also work in prod: a person is one identity across apps.
  for (let i = 0; i < SHARED_PEOPLE; i++) {
    const sandboxUser = sandboxWorkspace.users[i];
    const prodUser = prodWorkspace.users[i * 3];
    if (sandboxUser && prodUser) sandboxUser.email = prodUser.email;
  }
  sandboxWorkspace.revision += 1;
  const sandboxOnlyEmails = sandboxWorkspace.users.slice(SHARED_PEOPLE).map((user) => user.email);

  const credentials = (name: string) => ({ clientId: `${name}-client`, clientSecret: `${name}-secret-not-real` });
  const prodSimulator = await startTorqSimulator({ workspace: prodWorkspace, credentials: credentials('prod') });
  const sandboxSimulator = await startTorqSimulator({ workspace: sandboxWorkspace, credentials: credentials('sandbox') });
  const prod: Tenant = {
    connectorId: 'torq-prod',
    credentials: credentials('prod'),
    simulator: prodSimulator,
    createConnector: connectorTo(prodSimulator),
  };
  const sandbox: Tenant = {
    connectorId: 'torq-sandbox',
    credentials: credentials('sandbox'),
    simulator: sandboxSimulator,
    createConnector: connectorTo(sandboxSimulator),
  };

  try {
    // The demo leaves no store server behind: it stops once nothing else uses the demo's store.
    return await withInventory({ dataDir: dir }, async (inventory) => {
      const events: RollcallEvent[] = [];
      say('Rollcall demo: two simulated Torq workspaces, an embedded inventory, no AWS account needed.');
      say(`Inventory: ${inventory.description}; events: ${inventory.eventsFile}`);
      say();

      say(`1. First poll of torq-prod (${PROD_USERS} users): everyone is new.`);
      say(describePollResult(await poll(inventory, prod, events)));
      say(`2. First poll of torq-sandbox (${SANDBOX_USERS} users, ${SHARED_PEOPLE} of them people already seen in prod):`);
      say('   only the others are new users; all of them are new associations with the sandbox app.');
      say(describePollResult(await poll(inventory, sandbox, events)));

      const churn = applyChurn(prod.simulator.workspace, {
        seed: 11,
        adds: 5,
        reuseEmails: sandboxOnlyEmails.slice(0, 2),
        removals: 4,
        roleChanges: 3,
        emailCaseChanges: 3,
      });
      say(
        `3. Churn in torq-prod: ${churn.added.length} people join, ${churn.reused.length} sandbox users get a prod account, ` +
          `${churn.removed.length} leave, ${churn.roleChanged.length} change role, ${churn.emailCaseChanged.length} emails change case only.`,
      );
      events.length = 0;
      const second = await poll(inventory, prod, events);
      say(describePollResult(second));
      say(changesTable(events));
      say('   Case-only email changes are the same person: no event, no new user.');
      say();

      say('4. The prod API key is revoked in Torq.');
      prod.simulator.setCredentials({ clientId: 'rotated-client', clientSecret: 'rotated-secret-not-real' });
      events.length = 0;
      say(describePollResult(await poll(inventory, prod, events)));
      say(changesTable(events));
      const callsBefore = prod.simulator.stats();
      const skipped = await poll(inventory, prod, events);
      const callsAfter = prod.simulator.stats();
      say(
        `   Next scheduled poll: ${skipped.outcome}; requests to Torq: ${callsAfter.tokenRequests + callsAfter.dataRequests - callsBefore.tokenRequests - callsBefore.dataRequests}.`,
      );
      say('   The same rejected credentials are never tried again, so a revoked key cannot lock the account.');
      say();

      say('5. The key is re-enabled in Torq, and someone runs `rollcall reconnect --connector torq-prod`.');
      prod.simulator.setCredentials(prod.credentials);
      say(`   ${await reconnectConnector(inventory.store, prod.connectorId)}`);
      events.length = 0;
      const recovered = await poll(inventory, prod, events);
      say(describePollResult(recovered));
      say(changesTable(events));
      say();

      say('6. Connectors:');
      const connectors = await inventory.store.listConnectors();
      connectors.sort((a, b) => a.connectorId.localeCompare(b.connectorId));
      say(renderTable(connectors, CONNECTOR_COLUMNS));
      say();
      say('Go further:');
      say(`  npx rollcall users --data-dir ${dir} --new-since 1d`);
      say(`  npx rollcall users --data-dir ${dir} --email '${churn.reused[0]?.email ?? 'someone@example.com'}'`);
      say(`  npx rollcall connectors --data-dir ${dir}`);
      say('  Your real Torq workspace (a service API key with user.read):');
      say('    export TORQ_CLIENT_ID=... TORQ_CLIENT_SECRET=...');
      say('    npx rollcall poll --connector my-torq --region us   # or --region eu');
      say('  Deploy to your AWS account: see "Deploying to AWS" in the README (npx cdk deploy).');
      return recovered.outcome === 'completed' && second.outcome === 'completed' ? 0 : 1;
    }, { create: true, stopStoreServer: true });
  } finally {
    await Promise.all([prod.simulator.close(), sandbox.simulator.close()]);
  }
}

export function registerDemoCommand(program: Command, exit: ExitCodeSink): void {
  program
    .command('demo')
    .description('a full demo against simulated Torq workspaces, with an embedded store (what `npm start` runs)')
    .option('--data-dir <dir>', 'keep the demo inventory here (default: a new temporary directory)')
    .action(async (flags: DemoFlags) => {
      exit.code = await runDemo((text = '') => process.stdout.write(`${text}\n`), flags.dataDir);
    });
}
