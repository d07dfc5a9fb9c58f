/**
 * The size of a Lambda function's environment as Lambda measures it, bounded at synth time.
 *
 * Lambda refuses a function whose variables exceed 4 KB together, and what it measures is the
 * JSON text of the whole `Variables` map: its refusal quotes the "String measured", keys, values,
 * quotes and escapes included (a JSON value inside a variable has every quote escaped). At synth
 * time some values are still CloudFormation references; each is replaced by the longest value it
 * can take, so a stack that passes here cannot be refused by Lambda for its environment.
 */
import { Buffer } from 'node:buffer';
import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { CfnEventBus } from 'aws-cdk-lib/aws-events';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { IConstruct } from 'constructs';

/** Lambda's limit on all environment variables of a function together. */
export const ENVIRONMENT_LIMIT_BYTES = 4 * 1024;

/** DynamoDB's longest table name; a table without `TableName` gets a generated one. */
const TABLE_NAME_MAX = 255;
/** The random part CloudFormation appends to a secret's generated name (`<logical id>-<12>`). */
const GENERATED_SECRET_SUFFIX = 12;
/** Secrets Manager appends `-` and six random characters to the name in the ARN. */
const SECRET_ARN_SUFFIX = 7;
const ACCOUNT_ID_LENGTH = 12;
/** SQS's longest queue name; a queue without `QueueName` gets a generated one. */
const QUEUE_NAME_MAX = 80;

const longest = (values: readonly string[]): string => values.reduce((a, b) => (b.length > a.length ? b : a), '');
const KNOWN_REGIONS = RegionInfo.regions;
const LONGEST_REGION = longest(KNOWN_REGIONS.map((region) => region.name));
const LONGEST_PARTITION = longest(KNOWN_REGIONS.map((region) => region.partition ?? 'aws'));
const LONGEST_URL_SUFFIX = longest(KNOWN_REGIONS.map((region) => region.domainSuffix ?? 'amazonaws.com'));

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Thrown when a value's longest form cannot be known: the guard would otherwise under-count. */
export class UnboundedValueError extends Error {}

/** Resolves intrinsic functions in a synthesized value to the longest string they can produce. */
export class WorstCaseResolver {
  private readonly resources: ReadonlyMap<string, CfnResource>;
  private readonly region: string;
  private readonly partition: string;

  constructor(private readonly stack: Stack) {
    this.resources = new Map(
      stack.node
        .findAll()
        .filter((construct: IConstruct): construct is CfnResource => CfnResource.isCfnResource(construct))
        .map((resource) => [stack.resolve(resource.logicalId) as string, resource]),
    );
    this.region = Token.isUnresolved(stack.region) ? LONGEST_REGION : stack.region;
    this.partition = Token.isUnresolved(stack.partition) ? LONGEST_PARTITION : stack.partition;
  }

  /** The longest string `value` (as `Stack.resolve` returns it) can become at deploy time. */
  longest(value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (isObject(value)) {
      if (typeof value.Ref === 'string') return this.ref(value.Ref);
      const join = value['Fn::Join'];
      if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
        return (join[1] as unknown[]).map((part) => this.longest(part)).join(join[0]);
      }
    }
    throw new UnboundedValueError(`cannot bound the length of ${JSON.stringify(value)}`);
  }

  private ref(name: string): string {
    switch (name) {
      case 'AWS::Region':
        return this.region;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::AccountId':
        return '0'.repeat(ACCOUNT_ID_LENGTH);
      case 'AWS::URLSuffix':
        return LONGEST_URL_SUFFIX;
    }
    const resource = this.resources.get(name);
    if (resource === undefined) throw new UnboundedValueError(`cannot bound the length of Ref ${name}`);
    const literal = (value: unknown): string | undefined => {
      const resolved: unknown = this.stack.resolve(value);
      return typeof resolved === 'string' ? resolved : undefined;
    };
    if (resource instanceof CfnSecret) {
      // Without a Name, CloudFormation names a secret `<logical id>-<12 random characters>`.
      const secretName = literal(resource.name) ?? `${name}-${'x'.repeat(GENERATED_SECRET_SUFFIX)}`;
      return `arn:${this.partition}:secretsmanager:${this.region}:${'0'.repeat(ACCOUNT_ID_LENGTH)}:secret:${secretName}${'x'.repeat(SECRET_ARN_SUFFIX)}`;
    }
    if (resource instanceof CfnQueue) {
      // A queue's Ref is its URL.
      const queueName = literal(resource.queueName) ?? 'x'.repeat(QUEUE_NAME_MAX);
      return `https://sqs.${this.region}.${LONGEST_URL_SUFFIX}/${'0'.repeat(ACCOUNT_ID_LENGTH)}/${queueName}`;
    }
    if (resource instanceof CfnTable) return literal(resource.tableName) ?? 'x'.repeat(TABLE_NAME_MAX);
    if (resource instanceof CfnEventBus) {
      const busName = literal(resource.name);
      if (busName !== undefined) return busName;
    }
    throw new UnboundedValueError(`cannot bound the length of Ref ${name} (${resource.cfnResourceType})`);
  }
}

/** The environment of `fn` with every reference at its longest, as the JSON text Lambda measures. */
export function worstCaseEnvironment(fn: CfnFunction): { readonly json: string; readonly bytes: number } {
  const stack = Stack.of(fn);
  // The L1 property, before CloudFormation casing: `{ variables }`.
  const environment = stack.resolve(fn.environment) as { variables?: Record<string, unknown> } | undefined;
  const resolver = new WorstCaseResolver(stack);
  const variables = Object.fromEntries(
    Object.entries(environment?.variables ?? {}).map(([key, value]) => [key, resolver.longest(value)]),
  );
  const json = JSON.stringify(variables);
  return { json, bytes: Buffer.byteLength(json, 'utf8') };
}
