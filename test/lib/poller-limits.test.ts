/**
 * The poller's synth-time limits: a timeout that leaves time to list, and a concurrency the event
 * source mapping accepts. (Its environment no longer depends on the connectors: fleet-scale.test.ts.)
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { DEFAULT_POLL_SETTINGS } from '../../functions/core/poll.ts';
import { parseDeploymentConfig } from '../../lib/deployment-config.ts';
import { RollcallEventBus } from '../../lib/event-bus.ts';
import { InventoryTable } from '../../lib/inventory-table.ts';
import { MIN_POLLER_TIMEOUT, Poller } from '../../lib/poller.ts';

const noBundling = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

describe("the poller's timeout", () => {
  function pollerWith(timeout: Duration): Poller {
    const stack = new Stack(noBundling(), 'Timeout');
    const inventory = new InventoryTable(stack, 'Inventory');
    const events = new RollcallEventBus(stack, 'Events');
    return new Poller(stack, 'Poller', { inventory, eventBus: events.bus, timeout });
  }

  it('refuses a timeout at or below the reserve a poll keeps for writing: every poll would list nothing', () => {
    expect(DEFAULT_POLL_SETTINGS.reserveMs).toBe(120_000);
    for (const timeout of [Duration.seconds(60), Duration.seconds(120), Duration.seconds(179)]) {
      expect(() => pollerWith(timeout)).toThrow(ConfigError);
      expect(() => pollerWith(timeout)).toThrow(
        `Poller timeout of ${timeout.toSeconds()} s leaves no time to list: a poll keeps the last 120 s to write what it listed, so the timeout must be at least 180 s`,
      );
    }
  });

  it('accepts the reserve plus a minute of listing, and the default of 15 minutes', () => {
    expect(MIN_POLLER_TIMEOUT.toSeconds()).toBe(180);
    expect(pollerWith(MIN_POLLER_TIMEOUT).function).toBeDefined();
    expect(pollerWith(Duration.minutes(15)).function).toBeDefined();
  });

  it('refuses a timeout the poll lease would not outlive', () => {
    expect(() => pollerWith(Duration.millis(DEFAULT_POLL_SETTINGS.leaseMs))).toThrow(/Poller timeout must be below the poll lease \(16 minutes\)/);
  });
});

describe("the poller's concurrency", () => {
  it('is what the event source mapping accepts: 2 to 1,000, refused at synth otherwise', () => {
    expect(() => parseDeploymentConfig({ connectors: [], pollerConcurrency: 1 })).toThrow(/pollerConcurrency/);
    expect(() => parseDeploymentConfig({ connectors: [], pollerConcurrency: 1001 })).toThrow(/pollerConcurrency/);
    const stack = new Stack(noBundling(), 'Concurrency');
    const inventory = new InventoryTable(stack, 'Inventory');
    const events = new RollcallEventBus(stack, 'Events');
    expect(() => new Poller(stack, 'Poller', { inventory, eventBus: events.bus, concurrency: 1 })).toThrow(
      new ConfigError("Poller concurrency must be 2 to 1000 (Lambda's event source mapping limits)"),
    );
    expect(new Poller(stack, 'Accepted', { inventory, eventBus: events.bus, concurrency: 1000 }).concurrency).toBe(1000);
  });
});
