/**
 * Rollcall's own event bus (design.md section 6), with an archive where the region has archives,
 * so that a consumer added later, or one that lost events, can replay them.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Archive, EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../functions/core/events.ts';
import { knownRegion, supportsEventBusDescription } from './region-support.ts';

/**
 * Lets a Rollcall function publish on the bus as `rollcall` only. Provisioning requests arrive with
 * another source (`rollcall.provisioning`): a function that lists untrusted API data, or one that
 * answers requests, must not be able to send one, so no role of the stack may publish under any
 * other source.
 */
export function grantPublishAsRollcall(bus: IEventBus, role: IRole): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: { StringEquals: { 'events:source': EVENT_SOURCE } },
    }),
  );
}

export interface RollcallEventBusProps {
  /**
   * Archive every event for replay. Regions without `AWS::Events::Archive` (lib/region-support.ts)
   * need `false`. @default true
   */
  readonly archive?: boolean;
  /**
   * Days the archive keeps events; 0 keeps them indefinitely. Events carry e-mail addresses, so
   * keep this as short as replay needs allow.
   * @default 90
   */
  readonly archiveRetentionDays?: number;
}

export class RollcallEventBus extends Construct {
  readonly bus: EventBus;
  /** Absent when the deployment has no archive. */
  readonly archive: Archive | undefined;

  constructor(scope: Construct, id: string, props: RollcallEventBusProps = {}) {
    super(scope, id);
    const retentionDays = props.archiveRetentionDays ?? 90;
    const region = knownRegion(Stack.of(this).region);
    this.bus = new EventBus(this, 'Bus', {
      ...(supportsEventBusDescription(region) ? { description: 'Rollcall inventory changes and connector status' } : {}),
    });
    this.archive =
      props.archive === false
        ? undefined
        : this.bus.archive('Archive', {
            description: 'Every Rollcall event, for replay',
            eventPattern: { source: [EVENT_SOURCE] },
            retention: retentionDays === 0 ? undefined : Duration.days(retentionDays),
          });
  }
}
