/** The store contract against the in-memory fake the core tests use. */
import { MemoryStore } from '../fakes/memory-store.ts';
import { describeStoreContract } from './store-contract.ts';

describeStoreContract('the in-memory fake', async () => new MemoryStore());
