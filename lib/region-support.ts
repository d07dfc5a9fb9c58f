/**
 * What CloudFormation lacks in some regions, for the resources this stack uses. Derived from
 * cfn-lint's per-region resource schemas (cfnlint/data/schemas/providers/<region>.py, cfn-lint
 * 1.51): a region whose provider list has no `AWS::Events::Archive`, or whose
 * `AWS::Events::EventBus` schema has no `Description` property. The AWS integration suite
 * (test/aws/cfn-lint.slow.test.ts) recomputes both lists from the installed cfn-lint and fails
 * when they differ, and lints the template for every region cfn-lint knows.
 */
import { Token } from 'aws-cdk-lib';

/** Regions where CloudFormation has no `AWS::Events::Archive`. */
export const REGIONS_WITHOUT_EVENT_ARCHIVE: readonly string[] = ['ca-west-1', 'mx-central-1'];

/** Regions where `AWS::Events::EventBus` has no `Description` property. */
export const REGIONS_WITHOUT_EVENT_BUS_DESCRIPTION: readonly string[] = ['us-gov-east-1', 'us-gov-west-1'];

/** The region as a plain string when the stack is pinned to one, else `undefined`. */
export function knownRegion(region: string): string | undefined {
  return Token.isUnresolved(region) ? undefined : region;
}

/** Archives exist unless the region is known to lack them; an unknown region gets the archive. */
export function supportsEventArchive(region: string | undefined): boolean {
  return region === undefined || !REGIONS_WITHOUT_EVENT_ARCHIVE.includes(region);
}

/**
 * A description is set only where the region is known to accept it: a template for an unknown
 * region must deploy anywhere, and a description is not worth a failed deployment.
 */
export function supportsEventBusDescription(region: string | undefined): boolean {
  return region !== undefined && !REGIONS_WITHOUT_EVENT_BUS_DESCRIPTION.includes(region);
}
