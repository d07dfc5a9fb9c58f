/**
 * One connector (design.md section 8): the secret holding its API credentials and the schedule
 * that invokes the poller with `{ "connectorId": "<id>" }`.
 *
 * The secret is created EMPTY: CloudFormation creates a secret without any version when neither
 * `SecretString` nor `GenerateSecretString` is given, so no credential, real or placeholder, is
 * ever in the template. Until a person puts the app's credential JSON into it (its template is
 * derived from the app's `credentialFields`, and is the secret's description), Secrets Manager
 * answers ResourceNotFoundException, the poller reports "credentials unavailable" and the
 * connector shows RECONNECT_REQUIRED with its alarm: the honest status of an unconfigured
 * connector. A generated placeholder would instead be sent to the app as if it were a credential.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { CfnSecret, Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { PollEvent } from '../functions/contract/poller-contract.ts';
import { appRegistry, secretTemplate, type AppDefinition, type AppRegistry } from '../functions/connectors/index.ts';
import { appConfigOf, type ConnectorConfig } from './deployment-config.ts';
import type { Poller } from './poller.ts';

export interface ScheduledConnectorProps {
  readonly connector: ConnectorConfig;
  readonly poller: Poller;
  /** Where the connector's app is registered. @default appRegistry */
  readonly registry?: AppRegistry;
  /**
   * Attempts EventBridge Scheduler makes to hand an invocation to Lambda (throttling, service
   * errors); failures of the poll itself are retried by Lambda's asynchronous invocation.
   * @default 3
   */
  readonly retryAttempts?: number;
  /** @default Duration.hours(1) */
  readonly maxEventAge?: Duration;
}

export class ScheduledConnector extends Construct {
  readonly connectorId: string;
  /** The connector's app, as its registry entry declares it. */
  readonly app: AppDefinition;
  readonly secret: ISecret;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: ScheduledConnectorProps) {
    super(scope, id);
    const { connector, poller } = props;
    const registry = props.registry ?? appRegistry;
    this.app = registry.get(connector.app);
    this.connectorId = connector.id;
    this.secret =
      connector.secretArn === undefined
        ? this.createEmptySecret(connector)
        : Secret.fromSecretCompleteArn(this, 'Secret', connector.secretArn);

    poller.addConnector({ id: connector.id, app: connector.app, secret: this.secret, config: appConfigOf(connector, registry) });

    const input: PollEvent = { connectorId: connector.id };
    this.schedule = new Schedule(this, 'Schedule', {
      description: `Polls Rollcall connector ${connector.id}`,
      schedule: ScheduleExpression.expression(connector.schedule),
      target: new LambdaInvoke(poller.function, {
        input: ScheduleTargetInput.fromObject(input),
        role: poller.schedulerRole,
        deadLetterQueue: poller.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 3,
        maxEventAge: props.maxEventAge ?? Duration.hours(1),
      }),
    });
  }

  private createEmptySecret(connector: ConnectorConfig): ISecret {
    const secret = new CfnSecret(this, 'Secret', {
      description: `Rollcall connector ${connector.id} (${connector.app}): put JSON ${secretTemplate(this.app.credentialFields)}`,
    });
    // Deleted with the stack (CloudFormation deletes a secret at once, without a recovery window),
    // unlike the table: the inventory cannot be recreated, a credential can be issued again in
    // the vendor's console in a minute; a retained secret would leave a live vendor key in an
    // account where nothing uses it, and a new stack would not reuse it anyway (it creates its
    // own). Whoever wants credentials to outlive the stack brings the secret (`secretArn`).
    secret.applyRemovalPolicy(RemovalPolicy.DESTROY);
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        `A third-party credential (${this.app.title}: ${this.app.credentialFields.map((field) => field.key).join(', ')}): it can only be rotated in the vendor console by a person, who then puts the new value (README, "Deploying to AWS").`,
    });
    return Secret.fromSecretCompleteArn(this, 'SecretRef', secret.ref);
  }
}
