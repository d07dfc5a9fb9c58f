/**
 * Reconciling cdk.json's connectors into the definitions: created due at once, updated only when
 * cdk.json changed them (enabled state and due time kept, a new schedule re-timed), a CLI
 * connector of the same id taken over, a connector dropped from cdk.json disabled and handed to
 * the CLI, and a concurrent change retried.
 */
import { describe, expect, it } from 'vitest';
import { reconcileDeclared, type DeclaredDefinition } from '../../functions/core/declared-connectors.ts';
import { nextDueAfter, parseSchedule } from '../../functions/core/schedule.ts';
import type { ConnectorDefinition } from '../../functions/core/types.ts';
import { MemoryDefinitions } from '../fakes/memory-definitions.ts';

const DEPLOY_1 = new Date('2026-12-01T10:00:00.000Z');
const DEPLOY_2 = new Date('2026-12-01T11:30:00.000Z');

const declared = (connectorId: string, overrides: Partial<DeclaredDefinition> = {}): DeclaredDefinition => ({
  connectorId,
  app: 'torq',
  config: { region: 'us' },
  schedule: 'rate(1 hour)',
  secretArn: null,
  ...overrides,
});

describe('reconcileDeclared', () => {
  it('creates each declared connector enabled, due at once, with origin declared', async () => {
    const store = new MemoryDefinitions();

    const result = await reconcileDeclared(store, [declared('b'), declared('a', { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbC123' })], DEPLOY_1);

    expect(result).toEqual({ created: ['a', 'b'], updated: [], unchanged: 0, released: [] });
    expect(await store.getDefinition('a')).toEqual({
      connectorId: 'a',
      app: 'torq',
      config: { region: 'us' },
      schedule: 'rate(1 hour)',
      enabled: true,
      origin: 'declared',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbC123',
      createdAt: DEPLOY_1.toISOString(),
      updatedAt: DEPLOY_1.toISOString(),
      nextDueAt: DEPLOY_1.toISOString(),
    });
  });

  it('writes nothing when nothing changed, whatever the key order of the app config', async () => {
    const store = new MemoryDefinitions();
    await reconcileDeclared(store, [declared('a', { config: { region: 'eu', apiUrl: 'https://x' } })], DEPLOY_1);
    const before = await store.getDefinition('a');

    const result = await reconcileDeclared(store, [declared('a', { config: { apiUrl: 'https://x', region: 'eu' } })], DEPLOY_2);

    expect(result).toEqual({ created: [], updated: [], unchanged: 1, released: [] });
    expect(await store.getDefinition('a')).toEqual(before);
  });

  it("applies cdk.json's changes, keeps a person's disabling, and re-times a new schedule from now", async () => {
    const store = new MemoryDefinitions();
    await reconcileDeclared(store, [declared('kept-off'), declared('retimed')], DEPLOY_1);
    const off = (await store.getDefinition('kept-off')) as ConnectorDefinition;
    await store.updateDefinition({ ...off, enabled: false, nextDueAt: null, updatedAt: '2026-12-01T10:10:00.000Z' }, off.updatedAt);

    const result = await reconcileDeclared(
      store,
      [declared('kept-off', { config: { region: 'eu' } }), declared('retimed', { schedule: 'rate(6 hours)' })],
      DEPLOY_2,
    );

    expect(result.updated).toEqual(['kept-off', 'retimed']);
    expect(await store.getDefinition('kept-off')).toMatchObject({ enabled: false, nextDueAt: null, config: { region: 'eu' }, updatedAt: DEPLOY_2.toISOString() });
    expect(await store.getDefinition('retimed')).toMatchObject({
      enabled: true,
      schedule: 'rate(6 hours)',
      nextDueAt: new Date(nextDueAfter(parseSchedule('rate(6 hours)'), 'retimed', DEPLOY_2.getTime())).toISOString(),
      createdAt: DEPLOY_1.toISOString(),
    });
  });

  it('takes over a connector added with the CLI under a declared id: cdk.json owns it from then on', async () => {
    const store = new MemoryDefinitions();
    await store.createDefinition({ ...((await seed('cli')) as ConnectorDefinition), origin: 'added' });

    const result = await reconcileDeclared(store, [declared('cli')], DEPLOY_2);

    expect(result.updated).toEqual(['cli']);
    expect((await store.getDefinition('cli'))?.origin).toBe('declared');
  });

  it('polls again, due at once, a released connector declared again (or a deployment rolled back after releasing it)', async () => {
    const store = new MemoryDefinitions();
    await reconcileDeclared(store, [declared('back')], DEPLOY_1);
    await reconcileDeclared(store, [], DEPLOY_1);
    expect(await store.getDefinition('back')).toMatchObject({ origin: 'added', enabled: false });

    const result = await reconcileDeclared(store, [declared('back')], DEPLOY_2);

    expect(result.updated).toEqual(['back']);
    expect(await store.getDefinition('back')).toMatchObject({
      origin: 'declared',
      enabled: true,
      nextDueAt: DEPLOY_2.toISOString(),
      createdAt: DEPLOY_1.toISOString(),
    });
  });

  it('disables a connector dropped from cdk.json and hands it to the CLI (origin added), leaving CLI connectors alone', async () => {
    const store = new MemoryDefinitions();
    await reconcileDeclared(store, [declared('dropped'), declared('stays')], DEPLOY_1);
    await store.createDefinition({ ...((await seed('from-cli')) as ConnectorDefinition), origin: 'added' });

    const result = await reconcileDeclared(store, [declared('stays')], DEPLOY_2);

    expect(result).toEqual({ created: [], updated: [], unchanged: 1, released: ['dropped'] });
    expect(await store.getDefinition('dropped')).toMatchObject({ origin: 'added', enabled: false, nextDueAt: null, updatedAt: DEPLOY_2.toISOString() });
    expect(await store.getDefinition('from-cli')).toMatchObject({ origin: 'added', enabled: true });
  });

  it('reads a definition again and retries when someone changes it between the read and the write', async () => {
    const store = new MemoryDefinitions();
    await reconcileDeclared(store, [declared('busy')], DEPLOY_1);
    const original = store.updateDefinition.bind(store);
    let interfered = false;
    store.updateDefinition = async (definition, expected) => {
      if (!interfered) {
        interfered = true;
        const current = (await store.getDefinition('busy')) as ConnectorDefinition;
        // `rollcall connectors disable` got there first.
        await original({ ...current, enabled: false, nextDueAt: null, updatedAt: '2026-12-01T11:00:00.000Z' }, current.updatedAt);
      }
      return original(definition, expected);
    };

    const result = await reconcileDeclared(store, [declared('busy', { schedule: 'rate(2 hours)' })], DEPLOY_2);

    expect(result.updated).toEqual(['busy']);
    expect(await store.getDefinition('busy')).toMatchObject({ schedule: 'rate(2 hours)', enabled: false, nextDueAt: null });
  });
});

/** A definition as `reconcileDeclared` would create it, to seed a store with. */
async function seed(connectorId: string): Promise<ConnectorDefinition | null> {
  const scratch = new MemoryDefinitions();
  await reconcileDeclared(scratch, [declared(connectorId)], DEPLOY_1);
  return scratch.getDefinition(connectorId);
}
