/**
 * Rollcall's own event bus (design.md section 6) with an archive, so that a consumer added later,
 * or one that lost events, can replay them.
 */
import { Duration } from 'aws-cdk-lib';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../functions/core/events.ts';

export interface RollcallEventBusProps {
  /**
   * Days the archive keeps events; 0 keeps them indefinitely. Events carry e-mail addresses, so
   * keep this as short as replay needs allow.
   * @default 90
   */
  readonly archiveRetentionDays?: number;
}

export class RollcallEventBus extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;

  constructor(scope: Construct, id: string, props: RollcallEventBusProps = {}) {
    super(scope, id);
    const retentionDays = props.archiveRetentionDays ?? 90;
    this.bus = new EventBus(this, 'Bus', { description: 'Rollcall inventory changes and connector status' });
    this.archive = this.bus.archive('Archive', {
      description: 'Every Rollcall event, for replay',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: retentionDays === 0 ? undefined : Duration.days(retentionDays),
    });
  }
}
