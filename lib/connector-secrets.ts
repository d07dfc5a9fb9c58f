/**
 * The connector secrets named by convention (`rollcall/<connectorId>`, design.md section 8): the
 * poller may read, and the reconciler create, exactly the secrets under this prefix in the stack's
 * account and region, so a connector added with `rollcall connectors add` needs no change to the
 * stack. The prefix is shared by every Rollcall stack of the account and region: two deployments
 * there (two `stackName`s) can read each other's connector secrets; keep them in separate
 * accounts where that matters.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { CONNECTOR_SECRET_PREFIX } from '../functions/core/types.ts';

/** `arn:<partition>:secretsmanager:<region>:<account>:secret:rollcall/*` (the name's random suffix included). */
export function connectorSecretsArn(scope: IConstruct): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${CONNECTOR_SECRET_PREFIX}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
