/** The store contract against the DynamoDB store on a real embedded dynalite, a fresh table per case. */
import { useEmbeddedDynamo } from '../support/embedded-dynamo.ts';
import { describeStoreContract } from './store-contract.ts';

const dynamo = useEmbeddedDynamo();

describeStoreContract('the DynamoDB store', async () => (await dynamo.newStore('contract')).store);
