/** The console read model's contract against the in-memory reader over the fake store. */
import { MemoryConsoleReader } from '../fakes/memory-console-reader.ts';
import { MemoryStore } from '../fakes/memory-store.ts';
import { describeReadModelContract } from './read-model-contract.ts';

describeReadModelContract('the in-memory reader', async (clock) => {
  const store = new MemoryStore();
  return { store, reader: new MemoryConsoleReader(store, clock) };
});
