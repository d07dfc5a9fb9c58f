/**
 * The inventory the console's browser tests and its screenshots show: the demo's (Torq, Twingate
 * and a SCIM provider sharing people, churned and re-polled, see cli/commands/demo.ts), plus a
 * fourth connector, `torq-sandbox`, with two weeks of history: polled once a day from its own Torq
 * simulator with churn (people join, leave, change role; one of the demo's Torq people leaves it,
 * an offboarding gap), then refused its credentials today, so one connector needs a reconnect.
 * With `hostileEmail`, the sandbox holds a user whose email is markup: every page must show it as
 * text. The history's polls run the core's `pollConnector` with a clock set to each past day.
 */
import { runDemo } from '../cli/commands/demo.ts';
import { withInventory, type Inventory } from '../cli/runtime.ts';
import { EnvCredentialSource } from '../functions/adapters/env-credentials.ts';
import { pollConnector } from '../functions/core/poll.ts';
import { silentLogger, systemClock, type Clock } from '../functions/core/ports.ts';
import { applyChurn, generateWorkspace, startTorqSimulator, type TorqSimulator } from '../simulators/torq/index.ts';

export const SANDBOX_CONNECTOR = 'torq-sandbox';
export const HOSTILE_EMAIL = '<img src=x onerror=alert(1)>@x.com';
/** Days of sandbox history before today. */
export const HISTORY_DAYS = 14;
/** The demo's Torq workspace as it starts (cli/commands/demo.ts: 40 users, seed 7). */
const DEMO_TORQ_USERS = generateWorkspace({ users: 40, seed: 7 }).users;
export const DEMO_TORQ_EMAILS = DEMO_TORQ_USERS.map((user) => user.email);
/** Sandbox users who are demo Torq people (by email): every third one, from the sixth Torq person on. */
const SHARED_EVERY = 3;
const SHARED_OFFSET = 5;
/**
 * A demo Torq person, active there, who also has a sandbox account and leaves the sandbox: an
 * offboarding gap.
 */
export const OFFBOARDING_GAP_EMAIL =
  DEMO_TORQ_USERS.find((user, index) => index >= SHARED_OFFSET && (index - SHARED_OFFSET) % SHARED_EVERY === 0 && user.status === 'VERIFIED')?.email ?? '';

const DAY_MS = 86_400_000;
const SANDBOX_CREDENTIALS = { clientId: 'sandbox-client', clientSecret: 'sandbox-secret-not-real' };
const SANDBOX_ENV = { TORQ_CLIENT_ID: SANDBOX_CREDENTIALS.clientId, TORQ_CLIENT_SECRET: SANDBOX_CREDENTIALS.clientSecret };

export interface ConsoleInventoryOptions {
  /** Add a sandbox user whose email is an HTML tag with a script handler. */
  readonly hostileEmail?: boolean;
}

export async function seedConsoleInventory(dataDir: string, options: ConsoleInventoryOptions = {}): Promise<void> {
  const { appRegistry, createConnectorFactory } = await import('../functions/connectors/index.ts');
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const firstDay = new Date(today - HISTORY_DAYS * DAY_MS);

  const workspace = generateWorkspace({ users: 24, seed: 21, now: firstDay });
  workspace.users.forEach((user, index) => {
    if (index % SHARED_EVERY === 0) user.email = DEMO_TORQ_EMAILS[index + SHARED_OFFSET] ?? user.email;
  });
  if (options.hostileEmail === true) {
    const template = workspace.users[1];
    if (template === undefined) throw new Error('the sandbox workspace has no user');
    workspace.users.push({ ...template, id: 'sandbox-hostile', email: HOSTILE_EMAIL });
  }
  const simulator = await startTorqSimulator({ workspace, credentials: SANDBOX_CREDENTIALS });
  const poll = (inventory: Omit<Inventory, 'reader'>, clock: Clock) =>
    pollConnector(
      {
        store: inventory.store,
        events: inventory.events,
        credentials: new EnvCredentialSource(appRegistry.get('torq').credentialFields, SANDBOX_ENV),
        createConnector: createConnectorFactory('torq', { apiUrl: simulator.apiUrl, authUrl: simulator.authUrl }),
        clock,
        logger: silentLogger,
      },
      { connectorId: SANDBOX_CONNECTOR, app: 'torq' },
    );
  try {
    // The sandbox's history comes first: the demo's people it shares are then known from it.
    await withInventory(
      { dataDir },
      async (inventory) => {
        for (let day = 0; day < HISTORY_DAYS; day++) {
          const at = new Date(firstDay.getTime() + day * DAY_MS + 9 * 3_600_000);
          if (day > 0) churn(simulator, day, at);
          const result = await poll(inventory, { now: () => at });
          if (result.outcome !== 'completed') throw new Error(`the sandbox's poll of day ${day} ended ${result.outcome}`);
        }
      },
      { create: true, stopStoreServer: true },
    );

    const code = await runDemo(() => {}, dataDir);
    if (code !== 0) throw new Error(`the demo ended with exit code ${code}`);

    await withInventory(
      { dataDir },
      async (inventory) => {
        // The key is revoked in the app today: the poll marks the connector RECONNECT_REQUIRED.
        simulator.setCredentials({ clientId: 'rotated-client', clientSecret: 'rotated-secret-not-real' });
        const revoked = await poll(inventory, systemClock);
        if (revoked.outcome !== 'reconnect-required') throw new Error(`the sandbox's poll of today ended ${revoked.outcome}`);
      },
      { stopStoreServer: true },
    );
  } finally {
    await simulator.close();
  }
}

/** One day of the sandbox's life: a few join, someone leaves now and then, a role changes. */
function churn(simulator: TorqSimulator, day: number, at: Date): void {
  const workspace = simulator.workspace;
  applyChurn(workspace, { seed: 100 + day, adds: 1 + (day % 3), removals: day % 4 === 0 ? 1 : 0, roleChanges: day % 2, now: at });
  if (day === HISTORY_DAYS - 4) {
    const leaving = workspace.users.findIndex((user) => user.email === OFFBOARDING_GAP_EMAIL);
    if (leaving >= 0) {
      workspace.users.splice(leaving, 1);
      workspace.revision += 1;
    }
  }
}
