import { describe, expect, it } from 'vitest';
import { claimDueConnectors } from '../../functions/core/dispatch.ts';
import { nextDueAfter, parseSchedule } from '../../functions/core/schedule.ts';
import type { ConnectorDefinition } from '../../functions/core/types.ts';
import { MemoryDefinitions } from '../fakes/memory-definitions.ts';

function definition(connectorId: string, nextDueAt: string | null, overrides: Partial<ConnectorDefinition> = {}): ConnectorDefinition {
  return {
    connectorId,
    app: 'acme',
    config: {},
    schedule: 'rate(1 hour)',
    enabled: nextDueAt !== null,
    origin: 'added',
    secretArn: null,
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    nextDueAt,
    ...overrides,
  };
}

describe('claimDueConnectors', () => {
  const now = new Date('2026-12-01T10:00:00.000Z');

  it('claims the due ones once, moving each to its next due time, and leaves the others', async () => {
    const store = new MemoryDefinitions();
    await store.createDefinition(definition('due', '2026-12-01T09:59:00.000Z'));
    await store.createDefinition(definition('later', '2026-12-01T10:30:00.000Z'));
    await store.createDefinition(definition('off', null));

    const first = await claimDueConnectors(store, now, 100);
    expect(first.claimed.map((claimed) => claimed.connectorId)).toEqual(['due']);
    const next = new Date(nextDueAfter(parseSchedule('rate(1 hour)'), 'due', now.getTime())).toISOString();
    expect((await store.getDefinition('due'))?.nextDueAt).toBe(next);

    const second = await claimDueConnectors(store, now, 100);
    expect(second.claimed).toEqual([]);
  });

  it('gives each due time to one of two dispatchers looking at once', async () => {
    const store = new MemoryDefinitions();
    for (let index = 0; index < 20; index += 1) await store.createDefinition(definition(`c${index}`, '2026-12-01T09:00:00.000Z'));
    const [a, b] = await Promise.all([claimDueConnectors(store, now, 100), claimDueConnectors(store, now, 100)]);
    const ids = [...a.claimed, ...b.claimed].map((claimed) => claimed.connectorId).sort();
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    expect(a.lost + b.lost).toBe(20);
  });

  it('reports a stored schedule that no longer parses by id and still claims the rest', async () => {
    const store = new MemoryDefinitions();
    await store.createDefinition(definition('broken', '2026-12-01T09:00:00.000Z', { schedule: 'hourly' }));
    await store.createDefinition(definition('fine', '2026-12-01T09:00:00.000Z'));
    const result = await claimDueConnectors(store, now, 100);
    expect(result.claimed.map((claimed) => claimed.connectorId)).toEqual(['fine']);
    expect(result.invalid).toEqual([{ connectorId: 'broken', reason: expect.stringContaining('must be rate(') }]);
  });

  it('claims at most the limit, earliest first', async () => {
    const store = new MemoryDefinitions();
    await store.createDefinition(definition('b', '2026-12-01T09:02:00.000Z'));
    await store.createDefinition(definition('a', '2026-12-01T09:01:00.000Z'));
    await store.createDefinition(definition('c', '2026-12-01T09:03:00.000Z'));
    const result = await claimDueConnectors(store, now, 2);
    expect(result.claimed.map((claimed) => claimed.connectorId)).toEqual(['a', 'b']);
  });
});
