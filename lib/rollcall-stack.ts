/**
 * The Rollcall stack (design.md section 8): the inventory table, the event bus, the poller, one
 * secret and schedule per connector, and the alarms, with outputs for every name a person needs
 * after `cdk deploy` (README, "Deploying to AWS").
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RollcallAlarms } from './alarms.ts';
import type { DeploymentConfig } from './deployment-config.ts';
import { RollcallEventBus } from './event-bus.ts';
import { InventoryTable } from './inventory-table.ts';
import { Poller } from './poller.ts';
import { addProvisioning, type Provisioning } from './provisioning.ts';
import { ScheduledConnector } from './scheduled-connector.ts';
import { knownRegion, supportsEventArchive } from './region-support.ts';
import { ConfigError } from '../functions/core/errors.ts';
import { secretTemplate, type AppRegistry } from '../functions/connectors/index.ts';

export interface RollcallStackProps extends StackProps {
  readonly config: DeploymentConfig;
  /** The apps the connectors name (the one `parseDeploymentConfig` checked them against). @default appRegistry */
  readonly registry?: AppRegistry;
}

/** `acme-prod` -> `AcmeProd`, for output names a person types. */
export function pascalCase(id: string): string {
  return id
    .split('-')
    .filter((part) => part !== '')
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

export class RollcallStack extends Stack {
  readonly inventory: InventoryTable;
  readonly events: RollcallEventBus;
  readonly poller: Poller;
  readonly connectors: readonly ScheduledConnector[];
  readonly alarms: RollcallAlarms;
  /** Present only when a connector sets `"provisioning": true`: a default deployment has no write path. */
  readonly provisioning: Provisioning | undefined;

  constructor(scope: Construct, id: string, props: RollcallStackProps) {
    const { config } = props;
    super(scope, id, {
      ...props,
      ...(props.env === undefined && config.awsRegion !== undefined ? { env: { region: config.awsRegion } } : {}),
    });

    this.inventory = new InventoryTable(this, 'Inventory');
    this.events = new RollcallEventBus(this, 'Events', {
      archive: this.eventArchiveWanted(config),
      archiveRetentionDays: config.eventArchiveRetentionDays,
    });
    this.poller = new Poller(this, 'Poller', {
      inventory: this.inventory,
      eventBus: this.events.bus,
      maxRemovalShare: config.maxRemovalShare,
      reservedConcurrency: config.pollerConcurrency,
    });
    this.connectors = config.connectors.map(
      (connector) =>
        new ScheduledConnector(this, `Connector-${connector.id}`, {
          connector,
          poller: this.poller,
          ...(props.registry !== undefined ? { registry: props.registry } : {}),
        }),
    );
    this.provisioning = addProvisioning(this, {
      config,
      connectors: this.connectors,
      inventory: this.inventory,
      eventBus: this.events.bus,
      deadLetterQueue: this.poller.deadLetterQueue,
      ...(props.registry !== undefined ? { registry: props.registry } : {}),
    });
    this.alarms = new RollcallAlarms(this, 'Alarms', {
      poller: this.poller,
      connectorIds: config.connectors.map((connector) => connector.id),
      ...(config.alarmEmail !== undefined ? { email: config.alarmEmail } : {}),
    });

    new CfnOutput(this, 'InventoryTableName', {
      value: this.inventory.table.tableName,
      description: 'Inventory table: npx rollcall users --table <this>',
    });
    new CfnOutput(this, 'EventBusName', { value: this.events.bus.eventBusName, description: 'Rollcall events (source rollcall)' });
    new CfnOutput(this, 'EventBusArn', { value: this.events.bus.eventBusArn });
    new CfnOutput(this, 'PollerFunctionName', { value: this.poller.function.functionName });
    new CfnOutput(this, 'PollerLogGroupName', { value: this.poller.logGroup.logGroupName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.poller.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    for (const connector of this.connectors) {
      new CfnOutput(this, `SecretArn${pascalCase(connector.connectorId)}`, {
        value: connector.secret.secretArn,
        description: `Secret of connector ${connector.connectorId}: put ${secretTemplate(connector.app.credentialFields)} into it`,
      });
    }
  }

  /** The configured choice, or the region's default; an archive the region cannot create is refused. */
  private eventArchiveWanted(config: DeploymentConfig): boolean {
    const region = knownRegion(this.region);
    if (config.eventArchive === true && !supportsEventArchive(region)) {
      throw new ConfigError(
        `eventArchive: CloudFormation in ${region} has no EventBridge archives (AWS::Events::Archive); set eventArchive to false`,
      );
    }
    return config.eventArchive ?? supportsEventArchive(region);
  }
}
