/**
 * The inventory table (design.md sections 4 and 8), built from the same key and index definition
 * the DynamoDB store and the local table bootstrap use (functions/adapters/dynamodb/table-definition.ts).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  GLOBAL_SECONDARY_INDEXES,
  KEY_ATTRIBUTE_TYPE,
  TABLE_KEYS,
  TTL_ATTRIBUTE,
} from '../functions/adapters/dynamodb/table-definition.ts';

const ATTRIBUTE_TYPES = { S: AttributeType.STRING } as const;

/**
 * The item and query actions the inventory store uses. No Scan (every question is a Query,
 * design.md section 4), no table management, no streams.
 */
export const INVENTORY_DATA_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/**
 * On-demand, point-in-time recovery on, retained on stack deletion and protected from deletion,
 * sync runs expiring through TTL. No physical name, so two deployments never collide.
 *
 * Encryption uses the AWS managed key (`aws/dynamodb`): every use of it is in CloudTrail and no
 * key policy has to be kept right. A customer managed key would add a monthly cost and a way to
 * lose the retained inventory (a key deleted or disabled after the stack is gone) for no gain
 * here: access is already limited to the poller's role by IAM.
 */
export class InventoryTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const type = ATTRIBUTE_TYPES[KEY_ATTRIBUTE_TYPE];
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type },
      sortKey: { name: TABLE_KEYS.sortKey, type },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of GLOBAL_SECONDARY_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type },
        sortKey: { name: index.sortKey, type },
        projectionType: ProjectionType.ALL,
      });
    }
  }

  /**
   * Read and write items of the table and query its indexes, each index named: unlike
   * `Table.grantReadWriteData`, no `index/*` wildcard and no Scan.
   */
  grantInventoryAccess(grantee: IGrantable): Grant {
    const { tableArn } = this.table;
    return Grant.addToPrincipal({
      grantee,
      actions: [...INVENTORY_DATA_ACTIONS],
      resourceArns: [tableArn, ...GLOBAL_SECONDARY_INDEXES.map((index) => `${tableArn}/index/${index.indexName}`)],
    });
  }
}
