/**
 * The connectors declared in cdk.json, reconciled into the inventory table at deploy time by ONE
 * custom resource, however many there are (functions/handlers/reconcile.ts): their definitions
 * are created or updated (origin `declared`), their empty `rollcall/<id>` secrets created when
 * absent, and a connector dropped from cdk.json is disabled and handed to the CLI
 * (core/declared-connectors.ts). The list travels compressed in one property, so a thousand
 * connectors are a few KB of template.
 */
import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { appRegistry, type AppRegistry } from '../functions/connectors/index.ts';
import { CONNECTOR_SECRET_PREFIX } from '../functions/core/types.ts';
import {
  DECLARED_PROPERTY,
  encodeDeclaredConnectors,
  RECONCILER_ENV,
  type DeclaredConnector,
} from '../functions/contract/fleet-contract.ts';
import { connectorSecretsArn, connectorSecretsFinding } from './connector-secrets.ts';
import { appConfigOf, type ConnectorConfig } from './deployment-config.ts';
import type { InventoryTable } from './inventory-table.ts';
import { RECONCILER_ENTRY } from './poller-bundling.ts';
import { createRollcallFunction } from './rollcall-function.ts';

export interface DeclaredConnectorsProps {
  readonly connectors: readonly ConnectorConfig[];
  readonly inventory: InventoryTable;
  /** Where the connectors' apps are registered. @default appRegistry */
  readonly registry?: AppRegistry;
}

/** A declared connector as other constructs see it: its id, app and secret (created by name, or brought by ARN). */
export class DeclaredConnectorRef {
  private imported: ISecret | undefined;

  constructor(
    private readonly scope: Construct,
    readonly connectorId: string,
    readonly app: string,
    /** The ARN from cdk.json, or `null`: the secret is `rollcall/<id>`. */
    readonly secretArn: string | null,
  ) {}

  /** The connector's secret, imported on first use (no resource in the template either way). */
  get secret(): ISecret {
    this.imported ??=
      this.secretArn === null
        ? Secret.fromSecretNameV2(this.scope, `Secret-${this.connectorId}`, `${CONNECTOR_SECRET_PREFIX}${this.connectorId}`)
        : Secret.fromSecretCompleteArn(this.scope, `Secret-${this.connectorId}`, this.secretArn);
    return this.imported;
  }
}

export class DeclaredConnectors extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly resource: CustomResource;
  readonly connectors: readonly DeclaredConnectorRef[];

  constructor(scope: Construct, id: string, props: DeclaredConnectorsProps) {
    super(scope, id);
    const registry = props.registry ?? appRegistry;
    const created = createRollcallFunction(this, {
      entry: RECONCILER_ENTRY,
      description: 'Rollcall: writes the connectors declared in cdk.json into the inventory table at deploy time',
      roleDescription: 'Rollcall reconciler: its log group, the inventory table, creating empty connector secrets',
      // CloudFormation waits up to an hour; a thousand connectors take well under a minute.
      timeout: Duration.minutes(10),
      memorySize: 512,
      environment: { [RECONCILER_ENV.tableName]: props.inventory.table.tableName },
    });
    this.function = created.function;
    this.role = created.role;
    this.logGroup = created.logGroup;
    props.inventory.grantInventoryAccess(this.role);
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:CreateSecret'], resources: [connectorSecretsArn(this)] }));
    Validations.of(this.role).acknowledge({
      id: connectorSecretsFinding(this),
      reason: 'Creates the empty secret rollcall/<id> of each declared connector (never a value); the prefix holds only connector secrets.',
    });

    const declared: DeclaredConnector[] = props.connectors.map((connector) => ({
      id: connector.id,
      app: connector.app,
      schedule: connector.schedule,
      config: appConfigOf(connector, registry),
      secretArn: connector.secretArn ?? null,
    }));
    this.resource = new CustomResource(this, 'Reconciliation', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::RollcallDeclaredConnectors',
      properties: { [DECLARED_PROPERTY]: encodeDeclaredConnectors(declared) },
    });
    this.connectors = declared.map((entry) => new DeclaredConnectorRef(this, entry.id, entry.app, entry.secretArn));
  }
}
