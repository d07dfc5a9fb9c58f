/**
 * `rollcall demo` (what `npm start` runs): a simulated Torq workspace, a simulated Twingate
 * network and a simulated SCIM 2.0 provider (standing in for Quali Torque) that share people,
 * inventoried into one embedded store, churned, re-polled, broken and reconnected, with no AWS
 * account and no real credentials (design.md sections 1 and 7).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ConnectorFactory } from '../../functions/connectors/index.ts';
import { applyChurn, generateWorkspace, startTorqSimulator, type TorqSimulator } from '../../simulators/torq/index.ts';
import {
  applyTwingateChurn,
  generateTwingateWorkspace,
  startTwingateSimulator,
  type TwingateSimulator,
} from '../../simulators/twingate/index.ts';
import { generateScimWorkspace, startScimSimulator, type ScimSimulator } from '../../simulators/scim/index.ts';
import type { RollcallEvent } from '../../functions/core/events.ts';
import type { PollResult } from '../../functions/core/poll.ts';
import { silentLogger } from '../../functions/core/ports.ts';
import type { AppName } from '../../functions/core/types.ts';
import { reconnectConnector } from '../../functions/core/reconnect.ts';
import type { ExitCodeSink } from '../command.ts';
import { compareText, groupLabel } from '../entitlements.ts';
import { describePollResult, pollLocally } from '../local-poll.ts';
import { renderTable } from '../output.ts';
import { withInventory, type Inventory } from '../runtime.ts';
import { ACCOUNT_COLUMNS, CONNECTOR_COLUMNS, GROUP_COLUMNS } from '../views.ts';

const TORQ_USERS = 40;
const TWINGATE_USERS = 30;
/** Twingate users who are people already in the Torq workspace (every other Torq user, by email). */
const SHARED_PEOPLE = 18;
const TWINGATE_GROUPS = 4;
/** The SCIM provider's users, and how many of them are Torq people (every third Torq user). */
const SCIM_USERS = 12;
const SCIM_SHARED_PEOPLE = 8;
/** Rows of each kind a first poll's table shows; a first poll makes one row per account and membership. */
const SAMPLE_ROWS = 3;
/**
 * The simulators enforce no rate limit here (as `rollcall simulate` without its limit flags), so
 * the demo lifts the Twingate connector's pacing under Twingate's 60 requests per minute too: a
 * poll is a few requests, and the demo should take seconds.
 */
const DEMO_REQUESTS_PER_SECOND = 100;

/** The simulators' credentials: they open nothing but the demo's loopback simulators, and never appear in its output. */
export const DEMO_SECRETS = {
  torqSecret: 'demo-torq-secret-not-real',
  rotatedTorqSecret: 'rotated-secret-not-real',
  twingateKey: 'demo-twingate-key-not-real',
  scimToken: 'demo-scim-token-not-real',
} as const;

interface DemoFlags {
  dataDir?: string;
}

interface Tenant {
  readonly connectorId: string;
  readonly app: AppName;
  readonly createConnector: ConnectorFactory;
  env: NodeJS.ProcessEnv;
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
    app: tenant.app,
    createConnector: tenant.createConnector,
    env: tenant.env,
    showProgress: false,
    logger: silentLogger,
  });
}

/** The columns of `rollcall users` the demo shows beside a state change. */
const STATE_VIEW = ['connector', 'email', 'role', 'status', 'state'];

interface ChangeRow {
  readonly change: string;
  readonly connector: string;
  readonly who: string;
  readonly what: string;
}

const CHANGE_ORDER = ['new user', 'new association', 'changed', 'access granted', 'access revoked', 'removed'];

/**
 * One row per change a person would care about; a new user's two events make one row. A person
 * first seen in another app shows as a new association, not a new user; a group membership that
 * starts or ends shows as access granted or revoked, with the group's name.
 */
function changeRows(events: readonly RollcallEvent[]): ChangeRow[] {
  const newPeople = new Set(events.flatMap((e) => (e.detailType === 'UserDiscovered' && 'emailKey' in e.detail ? [e.detail.emailKey] : [])));
  const rows: ChangeRow[] = [];
  for (const event of events) {
    const detail = event.detail;
    const connector = event.connectorId;
    switch (event.detailType) {
      case 'AppAssociationDiscovered':
        if ('returning' in detail) {
          const known = !newPeople.has(detail.emailKey);
          rows.push({
            change: known ? 'new association' : 'new user',
            connector,
            who: detail.account.email ?? detail.account.accountId,
            // An app without roles (SCIM) says so instead of showing an unknown role.
            what: known
              ? 'known from another app, first time here'
              : detail.account.roleName === null
                ? 'no role in this app'
                : `role ${detail.account.roleName}`,
          });
        }
        break;
      case 'AccountChanged':
        if ('changes' in detail) {
          const what = detail.changes.map((c) =>
            c.field === 'roleId' ? `role ${detail.previous.roleName ?? '?'} -> ${detail.account.roleName ?? '?'}` : `${c.field} ${String(c.from)} -> ${String(c.to)}`,
          );
          rows.push({ change: 'changed', connector, who: detail.account.email ?? detail.account.accountId, what: what.join(', ') });
        }
        break;
      case 'AccessGranted':
      case 'AccessRevoked':
        if ('groupName' in detail) {
          const revoked = event.detailType === 'AccessRevoked';
          rows.push({
            change: revoked ? 'access revoked' : 'access granted',
            connector,
            who: detail.account.email ?? detail.accountId,
            what: `${revoked ? 'left' : 'joined'} group ${detail.groupName ?? detail.groupId}`,
          });
        }
        break;
      case 'AccountRemoved':
        if ('firstSeenAt' in detail) {
          rows.push({ change: 'removed', connector, who: detail.account.email ?? detail.account.accountId, what: `first seen ${detail.firstSeenAt.slice(0, 10)}` });
        }
        break;
      case 'ConnectorReconnectRequired':
      case 'ConnectorRecovered':
      case 'SyncAnomaly':
        rows.push({ change: event.detailType, connector, who: '', what: 'reason' in detail ? detail.reason : 'message' in detail ? detail.message : '' });
        break;
      default:
        break;
    }
  }
  const rank = (change: string) => CHANGE_ORDER.indexOf(change) + 1 || 99;
  return rows.sort((a, b) => rank(a.change) - rank(b.change) || a.connector.localeCompare(b.connector) || a.who.localeCompare(b.who) || a.what.localeCompare(b.what));
}

/** The changes as a table; with `perKind`, at most that many rows of each kind and a count of the rest. */
function changesTable(events: readonly RollcallEvent[], perKind?: number): string {
  const rows = changeRows(events);
  if (rows.length === 0) return '   (no events)';
  const shown: ChangeRow[] = [];
  const hidden = new Map<string, number>();
  for (const row of rows) {
    const sameKind = shown.filter((candidate) => candidate.change === row.change).length;
    if (perKind === undefined || sameKind < perKind) shown.push(row);
    else hidden.set(row.change, (hidden.get(row.change) ?? 0) + 1);
  }
  const table = renderTable(shown, [
    { header: 'change', value: (r) => r.change },
    { header: 'connector', value: (r) => r.connector },
    { header: 'who', value: (r) => r.who },
    { header: 'what', value: (r) => r.what },
  ]);
  const more = [...hidden].map(([change, count]) => `   ... and ${count} more ${change} rows`);
  return [table, ...more].join('\n');
}

/** The connector's current groups, by name. */
async function groupsTable(inventory: Inventory, connectorId: string): Promise<string> {
  const groups = await inventory.store.queryGroups({ connectorId });
  const rows = groups.filter((group) => group.removedAt === null).sort((a, b) => compareText(groupLabel(a), groupLabel(b)) || compareText(a.id, b.id));
  return renderTable(rows, GROUP_COLUMNS);
}

export async function runDemo(say: Say, dataDir?: string): Promise<number> {
  // Loaded on use, so that `rollcall --help` does not pay for every connector.
  const { createConnectorFactory } = await import('../../functions/connectors/index.ts');
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'rollcall-demo-')));

  // One list of people: the Torq workspace's. Every other one of them also has a Twingate account.
  const torqWorkspace = generateWorkspace({ users: TORQ_USERS, seed: 7 });
  const twingateWorkspace = generateTwingateWorkspace({ users: TWINGATE_USERS, groups: TWINGATE_GROUPS, largeGroupMembers: 20, seed: 8, network: 'acme' });
  for (let i = 0; i < SHARED_PEOPLE; i++) {
    const person = torqWorkspace.users[i * 2];
    const account = twingateWorkspace.users[i];
    if (person && account) account.email = person.email;
  }
  twingateWorkspace.revision += 1;
  const scimWorkspace = generateScimWorkspace({ users: SCIM_USERS, groups: 2, largeGroupMembers: 8, seed: 9 });
  for (let i = 0; i < SCIM_SHARED_PEOPLE; i++) {
    const person = torqWorkspace.users[i * 3 + 1];
    const account = scimWorkspace.users[i];
    if (person && account) account.emails = [{ value: person.email, type: 'work', primary: true }];
  }
  const twingateEmails = new Set(twingateWorkspace.users.map((user) => user.email?.toLowerCase()));
  const torqOnlyEmails = torqWorkspace.users.map((user) => user.email).filter((email) => !twingateEmails.has(email.toLowerCase()));

  const torqCredentials = { clientId: 'demo-torq-client', clientSecret: DEMO_SECRETS.torqSecret };
  const twingateKey = DEMO_SECRETS.twingateKey;
  let torqSimulator: TorqSimulator | null = null;
  let twingateSimulator: TwingateSimulator | null = null;
  let scimSimulator: ScimSimulator | null = null;
  try {
    torqSimulator = await startTorqSimulator({ workspace: torqWorkspace, credentials: torqCredentials });
    twingateSimulator = await startTwingateSimulator({ workspace: twingateWorkspace, apiKey: twingateKey });
    scimSimulator = await startScimSimulator({ workspace: scimWorkspace, token: DEMO_SECRETS.scimToken });
    const torq: Tenant = {
      connectorId: 'torq-prod',
      app: 'torq',
      createConnector: createConnectorFactory('torq', { apiUrl: torqSimulator.apiUrl, authUrl: torqSimulator.authUrl }),
      env: { TORQ_CLIENT_ID: torqCredentials.clientId, TORQ_CLIENT_SECRET: torqCredentials.clientSecret },
    };
    const twingate: Tenant = {
      connectorId: 'tg-acme',
      app: 'twingate',
      createConnector: createConnectorFactory(
        'twingate',
        { network: 'acme', apiUrl: twingateSimulator.apiUrl },
        { requestsPerSecond: DEMO_REQUESTS_PER_SECOND },
      ),
      env: { TWINGATE_API_KEY: twingateKey },
    };
    const scim: Tenant = {
      connectorId: 'torque',
      app: 'scim',
      createConnector: createConnectorFactory('scim', { baseUrl: scimSimulator.baseUrl }),
      env: { SCIM_TOKEN: DEMO_SECRETS.scimToken },
    };
    const torqSim = torqSimulator;
    const twingateSim = twingateSimulator;

    // The demo leaves no store server behind: it stops once nothing else uses the demo's store.
    return await withInventory({ dataDir: dir }, async (inventory) => {
      const events: RollcallEvent[] = [];
      say('Rollcall demo: a simulated Torq workspace, Twingate network and SCIM provider sharing people, one embedded inventory, no AWS account needed.');
      say(`Inventory: ${inventory.description}; events: ${inventory.eventsFile}`);
      say();

      say(`1. First poll of torq-prod (Torq, ${TORQ_USERS} users): everyone is a new user.`);
      say(describePollResult(await poll(inventory, torq, events)));

      say(`2. First poll of tg-acme (Twingate, ${TWINGATE_USERS} users in ${TWINGATE_GROUPS} groups and Everyone; ${SHARED_PEOPLE} of them people already seen in Torq).`);
      say("   People known from Torq are new associations with Twingate, not new users; each group membership is access granted (Everyone's are implicit).");
      events.length = 0;
      say(describePollResult(await poll(inventory, twingate, events)));
      say(changesTable(events, SAMPLE_ROWS));
      say();
      say("   Twingate's groups, as `rollcall groups --connector tg-acme` shows them (Everyone is implicit: counted, not listed per account):");
      say(await groupsTable(inventory, twingate.connectorId));
      say();
      say(
        `   And torque, a SCIM 2.0 provider standing in for Quali Torque (${SCIM_USERS} users, ${SCIM_SHARED_PEOPLE} of them Torq people; ` +
          'one read-only connector for any app that speaks SCIM):',
      );
      events.length = 0;
      const scimFirst = await poll(inventory, scim, events);
      say(describePollResult(scimFirst));
      say(changesTable(events, SAMPLE_ROWS));
      say();

      const torqChurn = applyChurn(torqSim.workspace, { seed: 11, adds: 2, removals: 1, roleChanges: 1 });
      const twingateChurn = applyTwingateChurn(twingateSim.workspace, {
        seed: 12,
        reuseEmails: torqOnlyEmails.slice(0, 2),
        adds: 1,
        removals: 1,
        stateChanges: 2,
        memberAdds: 2,
        memberRemovals: 2,
      });
      say(
        `3. Churn. Torq: ${torqChurn.added.length} people join, ${torqChurn.removed.length} leaves, ${torqChurn.roleChanged.length} changes role. ` +
          `Twingate: ${twingateChurn.reused.length} Torq users get an account, ${twingateChurn.added.length} new person joins, ${twingateChurn.removed.length} leaves, ` +
          `${twingateChurn.stateChanged.length} are enabled or disabled, ${twingateChurn.membershipsAdded.length} join a group and ${twingateChurn.membershipsRemoved.length} leave one.`,
      );
      events.length = 0;
      const torqSecond = await poll(inventory, torq, events);
      const twingateSecond = await poll(inventory, twingate, events);
      // Nothing changed in the SCIM provider: its poll writes no inventory and publishes only its SyncCompleted.
      const scimSecond = await poll(inventory, scim, events);
      say(describePollResult(torqSecond));
      say(describePollResult(twingateSecond));
      say(describePollResult(scimSecond));
      say(changesTable(events));
      say("   The accounts disabled or enabled, as `rollcall users --connector tg-acme` shows them: Twingate's status beside Rollcall's state,");
      say('   which reads the same for every app (active, pending, disabled):');
      const stateChanged = new Set(twingateChurn.stateChanged.map((change) => change.id));
      const accounts = (await inventory.store.queryAccounts({ connectorId: twingate.connectorId })).filter((account) => stateChanged.has(account.id));
      say(renderTable(accounts, ACCOUNT_COLUMNS.filter((column) => STATE_VIEW.includes(column.header))));
      say();

      say('4. The torq-prod API key is revoked in Torq.');
      torqSim.setCredentials({ clientId: 'rotated-client', clientSecret: DEMO_SECRETS.rotatedTorqSecret });
      events.length = 0;
      say(describePollResult(await poll(inventory, torq, events)));
      say(changesTable(events));
      const callsBefore = torqSim.stats();
      const skipped = await poll(inventory, torq, events);
      const callsAfter = torqSim.stats();
      say(
        `   Next scheduled poll: ${skipped.outcome}; requests to Torq: ${callsAfter.tokenRequests + callsAfter.dataRequests - callsBefore.tokenRequests - callsBefore.dataRequests}.`,
      );
      say('   The same rejected credentials are never tried again, so a revoked key cannot lock the account.');
      say();

      say('5. The key is re-enabled in Torq, and someone runs `rollcall reconnect --connector torq-prod`.');
      torqSim.setCredentials(torqCredentials);
      say(`   ${await reconnectConnector(inventory.store, torq.connectorId)}`);
      events.length = 0;
      const recovered = await poll(inventory, torq, events);
      say(describePollResult(recovered));
      say(changesTable(events));
      say();

      say('6. Connectors:');
      const connectors = await inventory.store.listConnectors();
      connectors.sort((a, b) => a.connectorId.localeCompare(b.connectorId));
      say(renderTable(connectors, CONNECTOR_COLUMNS));
      say();
      say('Go further:');
      say(`  npx rollcall users --data-dir ${dir} --email '${twingateChurn.reused[0]?.email ?? 'someone@example.com'}'`);
      say(`  npx rollcall groups --data-dir ${dir}`);
      say(`  npx rollcall users --data-dir ${dir} --group '${twingateSim.workspace.groups[1]?.name ?? 'Engineering'}'`);
      say(`  npx rollcall roles --data-dir ${dir}`);
      say(`  npx rollcall connectors --data-dir ${dir}`);
      say('  Your real workspaces:');
      say('    export TORQ_CLIENT_ID=... TORQ_CLIENT_SECRET=...   # a Torq service API key with user.read');
      say('    npx rollcall poll --connector my-torq --region us   # or --region eu');
      say('    export TWINGATE_API_KEY=...                         # a Twingate API key, Read only');
      say('    npx rollcall poll --connector my-twingate --app twingate --network NAME   # NAME.twingate.com');
      say('  Deploy to your AWS account: see "Deploying to AWS" in the README (npx cdk deploy).');
      const completed = [torqSecond, twingateSecond, scimFirst, scimSecond, recovered].every((result) => result.outcome === 'completed');
      return completed ? 0 : 1;
    }, { create: true, stopStoreServer: true });
  } finally {
    await Promise.all([torqSimulator?.close(), twingateSimulator?.close(), scimSimulator?.close()]);
  }
}

export function registerDemoCommand(program: Command, exit: ExitCodeSink): void {
  program
    .command('demo')
    .description('a full demo against a simulated Torq workspace, Twingate network and SCIM provider, with an embedded store (what `npm start` runs)')
    .option('--data-dir <dir>', 'keep the demo inventory here (default: a new temporary directory)')
    .action(async (flags: DemoFlags) => {
      exit.code = await runDemo((text = '') => process.stdout.write(`${text}\n`), flags.dataDir);
    });
}
