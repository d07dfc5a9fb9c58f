import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInventory, type Inventory } from '../../cli/runtime.ts';
import { AuthError, ConfigError, LeaseBusyError } from '../../functions/core/errors.ts';
import { reconnectConnector } from '../../functions/core/reconnect.ts';
import { afterFailure } from '../../functions/core/status.ts';

let dir: string;
let inventory: Inventory;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rollcall-reconnect-'));
  inventory = await openInventory({ dataDir: dir }, { create: true, stopStoreServer: true });
});
afterAll(async () => {
  await inventory.close();
  // The stopped store server's last LevelDB files may still be going away: rm retries ENOTEMPTY.
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('reconnectConnector', () => {
  it('refuses an unknown connector with a usage error', async () => {
    await expect(reconnectConnector(inventory.store, 'nobody')).rejects.toBeInstanceOf(ConfigError);
  });

  it('waits for a running poll instead of dropping its lease, then clears the rejected credentials', async () => {
    const nowMs = Date.now();
    const before = await inventory.store.acquireLease({
      connectorId: 'c1',
      app: 'torq',
      owner: 'poll-1',
      now: new Date(nowMs).toISOString(),
      nowMs,
      leaseMs: 60_000,
    });
    expect(before).toBeNull();
    await expect(reconnectConnector(inventory.store, 'c1')).rejects.toBeInstanceOf(LeaseBusyError);

    const syncing = await inventory.store.getConnector('c1');
    const failed = afterFailure({ ...syncing!, status: 'CONNECTED' }, new Date().toISOString(), new AuthError('credentials rejected'), 'fp-1');
    await inventory.store.finishSync(failed.state, 'poll-1');
    expect((await inventory.store.getConnector('c1'))?.rejectedFingerprint).toBe('fp-1');

    expect(await reconnectConnector(inventory.store, 'c1')).toMatch(/next poll will try/);
    expect(await inventory.store.getConnector('c1')).toMatchObject({ status: 'RECONNECT_REQUIRED', rejectedFingerprint: null });
  });
});
