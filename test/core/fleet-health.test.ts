/**
 * The fleet's health: each enabled connector in at most one list (RECONNECT_REQUIRED, failing,
 * stale), staleness counted in its own schedule's periods, disabled connectors in none, and a
 * digest whose id changes exactly when a list does.
 */
import { describe, expect, it } from 'vitest';
import { assessFleetHealth, healthDigest, healthKey, MAX_DIGEST_IDS } from '../../functions/core/fleet-health.ts';
import { initialState } from '../../functions/core/status.ts';
import type { ConnectorDefinition, ConnectorState, ConnectorStatus } from '../../functions/core/types.ts';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();

function definition(connectorId: string, overrides: Partial<ConnectorDefinition> = {}): ConnectorDefinition {
  return {
    connectorId,
    app: 'torq',
    config: {},
    schedule: 'rate(1 hour)',
    enabled: true,
    origin: 'added',
    secretArn: null,
    createdAt: hoursAgo(100),
    updatedAt: hoursAgo(100),
    nextDueAt: NOW.toISOString(),
    ...overrides,
  };
}

function state(connectorId: string, status: ConnectorStatus, lastSuccessAt: string | null, previousStatus: ConnectorStatus | null = null): ConnectorState {
  return { ...initialState(connectorId, 'torq', hoursAgo(100)), status, previousStatus, lastSuccessAt };
}

describe('assessFleetHealth', () => {
  it('puts each enabled connector in the most urgent list that applies, and disabled ones in none', () => {
    const definitions = [
      definition('fresh'),
      definition('reconnect'),
      definition('failing'),
      definition('stale'),
      definition('stale-and-failing'),
      definition('disabled', { enabled: false, nextDueAt: null }),
      definition('syncing-after-error'),
    ];
    const states = [
      state('fresh', 'CONNECTED', hoursAgo(1)),
      state('reconnect', 'RECONNECT_REQUIRED', hoursAgo(50)),
      state('failing', 'ERROR', hoursAgo(1)),
      state('stale', 'CONNECTED', hoursAgo(3.5)),
      state('stale-and-failing', 'ERROR', hoursAgo(10)),
      state('disabled', 'ERROR', hoursAgo(90)),
      // A poll running now has not decided yet: the last finished poll's status counts.
      state('syncing-after-error', 'SYNCING', hoursAgo(1), 'ERROR'),
    ];

    expect(assessFleetHealth(definitions, states, NOW)).toEqual({
      enabled: 6,
      reconnectRequired: ['reconnect'],
      failing: ['failing', 'stale-and-failing', 'syncing-after-error'],
      stale: ['stale'],
    });
  });

  it("counts staleness in the connector's own periods: three hours for hourly, three days for daily, the gap between cron firings", () => {
    const definitions = [
      definition('hourly'),
      definition('daily', { schedule: 'rate(1 day)' }),
      definition('weekday-cron', { schedule: 'cron(0 6 ? * MON-FRI *)' }),
    ];
    const states = [state('hourly', 'CONNECTED', hoursAgo(3.01)), state('daily', 'CONNECTED', hoursAgo(71)), state('weekday-cron', 'CONNECTED', hoursAgo(71))];

    expect(assessFleetHealth(definitions, states, NOW).stale).toEqual(['hourly']);
    expect(assessFleetHealth(definitions, states, NOW, { stalePeriods: 2 }).stale).toEqual(['daily', 'hourly', 'weekday-cron']);
  });

  it('judges a connector never polled, or changed since its last success, from when it was added or changed', () => {
    const definitions = [
      definition('new', { createdAt: hoursAgo(1), updatedAt: hoursAgo(1) }),
      definition('never-polled'),
      definition('re-enabled', { updatedAt: hoursAgo(0.5) }),
    ];
    const states = [state('re-enabled', 'CONNECTED', hoursAgo(90))];

    expect(assessFleetHealth(definitions, states, NOW).stale).toEqual(['never-polled']);
  });

  it('leaves a schedule that no longer parses to the dispatcher, which reports it by id', () => {
    expect(assessFleetHealth([definition('broken', { schedule: 'every hour' })], [], NOW)).toEqual({
      enabled: 1,
      reconnectRequired: [],
      failing: [],
      stale: [],
    });
  });
});

describe('healthDigest', () => {
  it('has an id that changes exactly when one of the lists changes', () => {
    const health = { enabled: 3, reconnectRequired: ['a'], failing: [], stale: ['b'] };

    expect(healthKey({ ...health, enabled: 4 })).toBe(healthKey(health));
    expect(healthKey({ ...health, stale: [] })).not.toBe(healthKey(health));
    expect(healthKey({ ...health, failing: ['b'], stale: [] })).not.toBe(healthKey({ ...health, stale: ['b'] }));
    expect(healthDigest(health, NOW)).toEqual({
      id: healthKey(health),
      time: NOW.toISOString(),
      enabled: 3,
      counts: { reconnectRequired: 1, failing: 0, stale: 1 },
      reconnectRequired: ['a'],
      failing: [],
      stale: ['b'],
      truncated: false,
    });
  });

  it('lists at most MAX_DIGEST_IDS ids per kind, with exact counts', () => {
    const many = Array.from({ length: MAX_DIGEST_IDS + 5 }, (_, index) => `c${String(index).padStart(5, '0')}`);
    const digest = healthDigest({ enabled: many.length, reconnectRequired: many, failing: [], stale: [] }, NOW);

    expect(digest.counts.reconnectRequired).toBe(MAX_DIGEST_IDS + 5);
    expect(digest.reconnectRequired).toHaveLength(MAX_DIGEST_IDS);
    expect(digest.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(digest))).toBeLessThan(256 * 1024);
  });
});
