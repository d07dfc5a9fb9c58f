/**
 * Drives a connector's paging to a complete listing. Paging lives here, once, for every app:
 * a page cap and a repeated-cursor check mean a misbehaving API fails the sync instead of
 * looping, and a failed page fails the whole listing (a partial listing never removes anything).
 */
import { ContractError } from './errors.ts';
import type { AccountPage, Connector, ListingProgress } from './ports.ts';
import type { Account, InvalidRecord } from './types.ts';
import type { Listing } from './diff.ts';

export interface ListingOptions {
  /** Upper bound of pages per stream; reaching it fails the sync. */
  readonly maxPagesPerStream: number;
  readonly onProgress?: (progress: ListingProgress) => void;
}

export interface CollectedListing extends Listing {
  readonly pages: number;
  /** Records listed by more than one stream (same id), counted once in `accounts`. */
  readonly duplicates: number;
}

async function* pagesOf(connector: Connector, stream: string, maxPages: number): AsyncGenerator<AccountPage> {
  const seenCursors = new Set<string>();
  let cursor: string | null = null;
  for (let page = 1; ; page++) {
    if (page > maxPages) {
      throw new ContractError(`${connector.app} listing '${stream}' exceeded ${maxPages} pages: refusing to page further`);
    }
    const result: AccountPage = await connector.listPage(stream, cursor);
    yield result;
    if (result.nextCursor === null) return;
    if (seenCursors.has(result.nextCursor)) {
      throw new ContractError(`${connector.app} listing '${stream}' repeated a page token after page ${page}`);
    }
    seenCursors.add(result.nextCursor);
    cursor = result.nextCursor;
  }
}

/** Lists every stream of the connector concurrently and merges them, de-duplicated by account id. */
export async function collectListing(connector: Connector, options: ListingOptions): Promise<CollectedListing> {
  const byId = new Map<string, Account>();
  const invalid: InvalidRecord[] = [];
  let pages = 0;
  let duplicates = 0;
  // Once one stream fails the listing is lost anyway: the others stop fetching.
  let failed = false;
  await Promise.all(
    connector.streams.map(async (stream) => {
      for await (const page of pagesOf(connector, stream, options.maxPagesPerStream)) {
        if (failed) return;
        pages += 1;
        for (const account of page.accounts) {
          if (byId.has(account.id)) duplicates += 1;
          else byId.set(account.id, account);
        }
        invalid.push(...page.invalid);
        options.onProgress?.({ pages, accounts: byId.size });
      }
    }).map((streamDone) =>
      streamDone.catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  return { accounts: [...byId.values()], invalid: dedupeInvalid(invalid, byId), pages, duplicates };
}

/** An id reported invalid in one stream but valid in another is not invalid; report each id once. */
function dedupeInvalid(invalid: readonly InvalidRecord[], valid: ReadonlyMap<string, Account>): InvalidRecord[] {
  const seen = new Set<string>();
  const result: InvalidRecord[] = [];
  for (const record of invalid) {
    if (record.id !== null) {
      if (valid.has(record.id) || seen.has(record.id)) continue;
      seen.add(record.id);
    }
    result.push(record);
  }
  return result;
}
