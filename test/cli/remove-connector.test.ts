/**
 * `rollcall connectors remove --purge` in-process, on a real embedded dynalite: a purge that stops
 * part-way (a failed batch, as a killed process leaves it) is finished by running it again, and the
 * confirmation prompt. The command itself, through child processes: connectors.test.ts.
 */
import { PassThrough } from 'node:stream';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoInventoryStore } from '../../functions/adapters/dynamodb/store.ts';
import { assertCanConfirm, canPrompt, confirm, type PromptStreams } from '../../cli/confirm.ts';
import { describeCounts, purgeConnector, removeTarget } from '../../cli/remove-connector.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';
import {
  C1_PURGE,
  NOTHING_LEFT,
  PEOPLE_AFTER_C1_PURGE,
  SEEDED_PEOPLE,
  seedTwoConnectors,
  snapshotConnector,
} from '../support/two-connectors.ts';

const dynamo = useEmbeddedDynamo();

/** The document client, failing its `failAt`-th BatchWriteItem as a process killed there would stop. */
function failingOnBatch(client: DynamoDBDocumentClient, failAt: number): DynamoDBDocumentClient {
  let batches = 0;
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
      return async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
        if (command instanceof BatchWriteCommand && ++batches === failAt) throw new Error('process killed');
        return target.send(command);
      };
    },
  });
}

describe('a purge that stops part-way', () => {
  it('leaves the connector listed and unscheduled, and running it again deletes the rest and nothing of the other connector', async () => {
    const { store, tableName } = await dynamo.newStore('purge-resume');
    // 65 accounts of c1: three batches of deletes.
    await seedTwoConnectors(store, { extraC1People: 60 });
    const c2Before = await snapshotConnector(store, 'c2');
    const plan = await store.planPurge('c1');
    expect(plan).toMatchObject({ ...C1_PURGE, accounts: 65, identities: 62 });

    // Checkpoint, memberships and groups take a batch each: the fifth is the second batch of accounts.
    const dying = new DynamoInventoryStore(failingOnBatch(dynamo.clients().documentClient, 5), tableName, { writeConcurrency: 1 });
    const first = await removeTarget(dying, 'c1', true);
    await expect(purgeConnector(dying, first)).rejects.toThrow('process killed');

    expect(await store.getDefinition('c1')).toBeNull();
    expect((await store.listConnectors()).map((state) => state.connectorId)).toEqual(['c1', 'c2']);
    // The people of the page of accounts went before any of its accounts: the 40 accounts left
    // are how the re-run finds what remains, and no person is left behind without them.
    const left = await store.planPurge('c1');
    expect(left).toEqual({ accounts: 40, groups: 0, memberships: 0, runs: 2, checkpoints: 0, other: 0, identities: 0, states: 1 });
    expect(await snapshotConnector(store, 'c2')).toEqual(c2Before);

    // Run again (its lease is the dead purge's, on this host: taken over, as its process is gone).
    const again = await removeTarget(store, 'c1', true);
    const second = await purgeConnector(store, again, { probe: { isGone: () => true } });
    expect(second).toEqual(left);
    expect(await snapshotConnector(store, 'c1')).toEqual(NOTHING_LEFT);
    expect(await store.findKnownIdentities([...SEEDED_PEOPLE, 'extra-0@x.io', 'extra-59@x.io'])).toEqual(PEOPLE_AFTER_C1_PURGE);
    expect(await snapshotConnector(store, 'c2')).toEqual(c2Before);
  });

  it('says in words what a purge deletes', () => {
    expect(describeCounts({ accounts: 5, groups: 2, memberships: 1, runs: 2, checkpoints: 0, other: 0, identities: 1, states: 1 })).toBe(
      '5 accounts, 1 membership, 2 groups, 2 sync runs, 1 person known only through it, its status row',
    );
    expect(describeCounts({ accounts: 0, groups: 0, memberships: 0, runs: 0, checkpoints: 0, other: 0, identities: 0, states: 0 })).toBe('no inventory');
  });
});

function streams(answers: string, tty: boolean): PromptStreams & { asked(): string } {
  const input = Object.assign(new PassThrough(), { isTTY: tty });
  const output = Object.assign(new PassThrough(), { isTTY: tty });
  let asked = '';
  output.on('data', (chunk: Buffer) => (asked += chunk.toString('utf8')));
  input.end(answers);
  return { input, output, asked: () => asked };
}

describe('the confirmation prompt', () => {
  it('takes yes, and reads an empty answer, no, or the end of input as no', async () => {
    expect(await confirm('Delete?', streams('y\n', true))).toBe(true);
    expect(await confirm('Delete?', streams('YES\n', true))).toBe(true);
    expect(await confirm('Delete?', streams('\n', true))).toBe(false);
    expect(await confirm('Delete?', streams('no\n', true))).toBe(false);
    expect(await confirm('Delete?', streams('', true))).toBe(false);
  });

  it('asks again after an answer that is neither', async () => {
    const io = streams('maybe\ny\n', true);
    expect(await confirm('Delete c1?', io)).toBe(true);
    expect(io.asked()).toBe('Delete c1? [y/N] Delete c1? [y/N] ');
  });

  it('refuses without a terminal unless --yes', () => {
    expect(canPrompt(streams('', false))).toBe(false);
    expect(() => assertCanConfirm(false, 'purging connector c1', streams('', false))).toThrow(ConfigError);
    expect(() => assertCanConfirm(true, 'purging connector c1', streams('', false))).not.toThrow();
    expect(() => assertCanConfirm(false, 'purging connector c1', streams('', true))).not.toThrow();
  });
});
