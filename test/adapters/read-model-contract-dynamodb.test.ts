/** The console read model's contract against the DynamoDB reader on a real embedded dynalite, a fresh table per case. */
import { DynamoConsoleReader } from '../../functions/adapters/dynamodb/console-reader.ts';
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';
import { describeReadModelContract } from './read-model-contract.ts';

const dynamo = useEmbeddedDynamo();

describeReadModelContract('the DynamoDB reader', async (clock) => {
  const { store, tableName } = await dynamo.newStore('read-model');
  return { store, reader: new DynamoConsoleReader(dynamo.clients().documentClient, tableName, { clock }) };
});
