/**
 * The Rollcall stack (design.md section 8): the inventory table, the event bus, the poller and its
 * queue, the dispatcher and its one schedule, the reconciliation of the connectors declared in
 * cdk.json, and the alarms, with outputs for every name a person needs after `cdk deploy`
 * (README, "Deploying to AWS"). Its resources are the same for one connector or a thousand:
 * connectors are data in the table (README, "Connectors without a redeploy").
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RollcallAlarms } from './alarms.ts';
import type { DeploymentConfig } from './deployment-config.ts';
import { RollcallEventBus } from './event-bus.ts';
import { InventoryTable } from './inventory-table.ts';
import { DeclaredConnectors, type DeclaredConnectorRef } from './declared-connectors.ts';
import { Dispatcher } from './dispatcher.ts';
import { Poller } from './poller.ts';
import { addProvisioning, type Provisioning } from './provisioning.ts';
import { knownRegion, supportsEventArchive } from './region-support.ts';
import { ConfigError } from '../functions/core/errors.ts';
import { CONNECTOR_SECRET_PREFIX } from '../functions/core/types.ts';
import type { AppRegistry } from '../functions/connectors/index.ts';

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
  readonly dispatcher: Dispatcher;
  readonly declared: DeclaredConnectors;
  /** The connectors declared in cdk.json, each with its secret. */
  readonly connectors: readonly DeclaredConnectorRef[];
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
      concurrency: config.pollerConcurrency,
      declaredSecretArns: config.connectors.flatMap((connector) => (connector.secretArn === undefined ? [] : [connector.secretArn])),
    });
    this.dispatcher = new Dispatcher(this, 'Dispatcher', { inventory: this.inventory, eventBus: this.events.bus, poller: this.poller });
    this.declared = new DeclaredConnectors(this, 'DeclaredConnectors', {
      connectors: config.connectors,
      inventory: this.inventory,
      ...(props.registry !== undefined ? { registry: props.registry } : {}),
    });
    this.connectors = this.declared.connectors;
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
      dispatcher: this.dispatcher,
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
    new CfnOutput(this, 'PollQueueUrl', { value: this.poller.queue.queueUrl });
    new CfnOutput(this, 'DispatcherLogGroupName', { value: this.dispatcher.logGroup.logGroupName });
    new CfnOutput(this, 'ConnectorSecretPrefix', {
      value: CONNECTOR_SECRET_PREFIX,
      description: 'Connector secrets are named <this><connector id>: put the app credential JSON into each',
    });
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
