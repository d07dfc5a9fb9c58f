/**
 * Just enough IAM evaluation to check recorded AWS calls against a synthesized policy: each call
 * becomes its IAM action and resource ARNs, and a statement allows it when an action pattern and
 * a resource pattern match (`*` and `?` wildcards, actions case-insensitive), with no matching Deny.
 * Conditions are not evaluated: the only ones are PutEvents' `events:source`, and the tests check
 * the sources of the entries sent against them.
 */
import type { RecordedCall } from './recording-proxy.ts';

export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** Every statement of the policies attached to the role with logical id `roleId`. */
export function statementsOfRole(template: Template, roleId: string): PolicyStatement[] {
  const attached = Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) => JSON.stringify(policy.Properties?.Roles).includes(`{"Ref":"${roleId}"}`))
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
  const inline = ((template.Resources[roleId]?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
  return [...attached, ...inline];
}

/** Values for references: `Ref` by logical id or pseudo parameter, `Fn::GetAtt` by `id.Attribute`. */
export type References = Readonly<Record<string, string>>;

export function resolveValue(value: unknown, references: References): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === 'string') return references[object.Ref] ?? `<unresolved Ref ${object.Ref}>`;
    const getAtt = object['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return references[getAtt.join('.')] ?? `<unresolved GetAtt ${getAtt.join('.')}>`;
    const join = object['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as unknown[]).map((part) => resolveValue(part, references)).join(join[0] as string);
  }
  return `<unresolved ${JSON.stringify(value)}>`;
}

function wildcard(pattern: string, flags = ''): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, flags);
}

export interface Permission {
  readonly action: string;
  readonly resource: string;
}

function matches(statement: PolicyStatement, permission: Permission, references: References): boolean {
  const actions = [statement.Action].flat();
  const resources = [statement.Resource].flat().map((resource) => resolveValue(resource, references));
  return (
    actions.some((action) => wildcard(action, 'i').test(permission.action)) &&
    resources.some((resource) => wildcard(resource).test(permission.resource))
  );
}

export function isAllowed(statements: readonly PolicyStatement[], permission: Permission, references: References): boolean {
  if (statements.some((statement) => statement.Effect === 'Deny' && matches(statement, permission, references))) return false;
  return statements.some((statement) => statement.Effect === 'Allow' && matches(statement, permission, references));
}

export interface ArnContext {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** The IAM actions and resources one recorded call needs. Unknown operations throw: they need a rule here. */
export function permissionsOf(call: RecordedCall, context: ArnContext): Permission[] {
  const { partition, region, account } = context;
  const body = (call.body ?? {}) as Record<string, unknown>;
  const [service, operation] = call.target.split('.');
  const tableArn = (name: string) => (name.startsWith('arn:') ? name : `arn:${partition}:dynamodb:${region}:${account}:table/${name}`);
  if (service === 'DynamoDB_20120810' && operation !== undefined) {
    const action = `dynamodb:${operation}`;
    if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
      return Object.keys(body.RequestItems as Record<string, unknown>).map((table) => ({ action, resource: tableArn(table) }));
    }
    if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
      // A transaction needs the permission of each action it contains, on each item's table.
      return (body.TransactItems as Record<string, { TableName: string }>[]).flatMap((item) =>
        Object.entries(item).map(([kind, request]) => ({
          action: `dynamodb:${kind === 'Put' ? 'PutItem' : kind === 'Update' ? 'UpdateItem' : kind === 'Delete' ? 'DeleteItem' : kind === 'Get' ? 'GetItem' : 'ConditionCheckItem'}`,
          resource: tableArn(request.TableName),
        })),
      );
    }
    const table = tableArn(String(body.TableName));
    return [{ action, resource: typeof body.IndexName === 'string' ? `${table}/index/${body.IndexName}` : table }];
  }
  if (service === 'secretsmanager' && operation !== undefined) {
    // A secret named rather than given by ARN is authorized on its ARN, which ends in '-' and six random characters.
    const id = String(body.SecretId ?? body.Name);
    const resource = id.startsWith('arn:') ? id : `arn:${partition}:secretsmanager:${region}:${account}:secret:${id}-AbCdEf`;
    return [{ action: `secretsmanager:${operation}`, resource }];
  }
  if (service === 'AWSEvents' && operation === 'PutEvents') {
    const busArn = (name: string) => (name.startsWith('arn:') ? name : `arn:${partition}:events:${region}:${account}:event-bus/${name}`);
    return [...new Set((body.Entries as { EventBusName?: string }[]).map((entry) => busArn(entry.EventBusName ?? 'default')))].map(
      (resource) => ({ action: 'events:PutEvents', resource }),
    );
  }
  if (service === 'AmazonSQS' && operation !== undefined) {
    // A batch needs the permission of its single form; the queue is named by its URL.
    const action = `sqs:${operation.replace(/Batch$/, '')}`;
    const name = String(body.QueueUrl).split('/').at(-1) ?? '';
    return [{ action, resource: `arn:${partition}:sqs:${region}:${account}:${name}` }];
  }
  throw new Error(`no IAM mapping for the call ${call.target}`);
}
