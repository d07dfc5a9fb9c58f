/**
 * The poller's synth-time limits: its environment as Lambda measures it (the JSON text of all
 * variables together, at most 4096 bytes), and a timeout that leaves time to list.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { DEFAULT_POLL_SETTINGS } from '../../functions/core/poll.ts';
import { parseDeploymentConfig } from '../../lib/deployment-config.ts';
import { RollcallEventBus } from '../../lib/event-bus.ts';
import { InventoryTable } from '../../lib/inventory-table.ts';
import { MIN_POLLER_TIMEOUT, Poller } from '../../lib/poller.ts';
import { RollcallStack } from '../../lib/rollcall-stack.ts';

const LIMIT = 4096;
const noBundling = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

/**
 * Connectors with ids of the longest length allowed (48), all of equal length so that every
 * connector adds the same number of bytes.
 */
function stackWith(count: number, options: { region?: string } = {}): RollcallStack {
  const connectors = Array.from({ length: count }, (_, index) => ({
    id: `${'connector-'.padEnd(44, 'x')}${String(index).padStart(4, '0')}`,
    app: 'torq',
  }));
  const config = parseDeploymentConfig({ connectors });
  return new RollcallStack(noBundling(), 'Crowded', {
    config,
    ...(options.region !== undefined ? { env: { region: options.region } } : {}),
  });
}

const templateWith = (count: number, options: { region?: string } = {}) => Template.fromStack(stackWith(count, options));

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/**
 * What Lambda would measure, computed here independently of lib/: the JSON text of the variables
 * with each reference replaced by the longest value it can take at deploy time. A created secret's
 * ARN: the longest partition and region, the name CloudFormation generates (`<logical id>-` and 12
 * random characters) and Secrets Manager's `-` plus six; a table without a name: 255 characters.
 */
function measuredByLambda(template: Template, region = 'us-isof-south-1', partition = 'aws-us-gov'): number {
  const resources = template.toJSON().Resources as Resources;
  const fn = Object.values(resources).find((resource) => resource.Type === 'AWS::Lambda::Function');
  const longest = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const object = value as Record<string, unknown>;
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map(longest).join(separator);
    }
    const ref = object.Ref as string;
    const resource = resources[ref];
    if (resource?.Type === 'AWS::SecretsManager::Secret') {
      return `arn:${partition}:secretsmanager:${region}:123456789012:secret:${ref}-abcdefghijkl-AbCdEf`;
    }
    if (resource?.Type === 'AWS::DynamoDB::Table') return 'x'.repeat(255);
    if (resource?.Type === 'AWS::Events::EventBus') return resource.Properties?.Name as string;
    throw new Error(`unexpected value ${JSON.stringify(value)}`);
  };
  const variables = (fn?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
  const json = JSON.stringify(Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, longest(value)])));
  return Buffer.byteLength(json, 'utf8');
}

/**
 * The connector count the guard accepts: the poller checks as each connector joins, so building
 * the stack with many more fails at the first connector too many, and says which.
 */
function largestAccepted(options: { region?: string } = {}): number {
  try {
    stackWith(40, options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const refused = /environment of (\d+) connectors/.exec(error.message)?.[1];
    if (refused === undefined) throw error;
    return Number(refused) - 1;
  }
  throw new Error('40 connectors were accepted');
}

// Synthesizing several stacks takes seconds (the first one in a process over ten on a loaded machine).
describe("the poller's environment (Lambda: the JSON text of all variables, at most 4096 bytes)", { timeout: 120_000 }, () => {
  it('accepts connectors up to the limit, counted with escaping and generated secret ARNs at their longest, and refuses one more', () => {
    const accepted = largestAccepted();
    const atLimit = measuredByLambda(templateWith(accepted));
    const perConnector = atLimit - measuredByLambda(templateWith(accepted - 1));

    expect(atLimit).toBeLessThanOrEqual(LIMIT);
    expect(atLimit + perConnector).toBeGreaterThan(LIMIT);
    expect(() => stackWith(accepted + 1)).toThrow(
      new RegExp(`environment of ${accepted + 1} connectors can reach \\d+ bytes, above Lambda's limit of 4096 bytes`),
    );
    // Each created secret's ARN, JSON-escaped inside the connector list, costs well over 128 bytes.
    expect(perConnector).toBeGreaterThan(150);
  });

  it('uses the real region and partition when the stack has them, which fits more connectors', () => {
    const anywhere = largestAccepted();
    const inIreland = largestAccepted({ region: 'eu-west-1' });

    expect(measuredByLambda(templateWith(inIreland, { region: 'eu-west-1' }), 'eu-west-1', 'aws')).toBeLessThanOrEqual(LIMIT);
    expect(inIreland).toBeGreaterThanOrEqual(anywhere);
  });
});

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
