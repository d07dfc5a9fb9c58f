/**
 * The connector secrets named by convention (`rollcall/<connectorId>`, design.md section 8): the
 * poller may read, and the reconciler create, exactly the secrets under this prefix in the stack's
 * account and region, so a connector added with `rollcall connectors add` needs no change to the
 * stack. The prefix is shared by every Rollcall stack of the account and region: two deployments
 * there (two `stackName`s) can read each other's connector secrets; keep them in separate
 * accounts where that matters.
 */
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
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

/**
 * cdk-nag's finding id for a policy naming `connectorSecretsArn`: it spells the ARN with the
 * region, account and partition the stack knows, and `<AWS::...>` for those it does not.
 */
export function connectorSecretsFinding(scope: IConstruct): string {
  const stack = Stack.of(scope);
  const known = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
  const arn = `arn:${known(stack.partition, 'AWS::Partition')}:secretsmanager:${known(stack.region, 'AWS::Region')}:${known(stack.account, 'AWS::AccountId')}:secret:${CONNECTOR_SECRET_PREFIX}*`;
  return `AwsSolutions-IAM5[Resource::${arn}]`;
}
