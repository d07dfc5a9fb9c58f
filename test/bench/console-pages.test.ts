/**
 * The console pages measurement on a small inventory: real dynalite in its own process, real SDK
 * clients, the inventory written through the store. Asserts what each page costs in DynamoDB
 * requests (bounded, whatever the inventory holds) and that none is a Scan; never a time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { consoleSection, consoleTargets, measureConsolePages, type ConsolePagesResult } from '../../bench/lib/console-pages.ts';

const ACCOUNTS = 600;

describe('console pages measurement on 600 + 120 accounts', () => {
  let result: ConsolePagesResult;
  const page = (name: string) => {
    if (result.status !== 'measured') throw new Error('not measured');
    const found = result.pages.find((entry) => entry.page === name);
    if (found === undefined) throw new Error(`no page ${name}`);
    return found;
  };

  beforeAll(async () => {
    result = await measureConsolePages({ accounts: ACCOUNTS });
  }, 120_000);

  it('answers the first page of a connector without groups with two Queries, and the runs page with one', () => {
    expect(page('accounts: first page (torq)')).toMatchObject({ rows: 50, requests: { Query: 2 } });
    expect(page('runs: first page (torq)')).toMatchObject({ rows: 50, requests: { Query: 1 } });
    expect(page('connectors overview')).toMatchObject({ rows: 2, requests: { Query: 3 } });
  });

  it('bounds the people page by its size, not the inventory: shards, one Query per person and per grouped account', () => {
    const people = page('people: first page');
    expect(people.rows).toBe(50);
    // 4 people shards, 50 email look-ups, 2 "has groups" checks, 50 membership look-ups, 1 BatchGet of group names.
    expect(people.totalRequests).toBeLessThanOrEqual(4 + 50 + 2 + 50 + 1);
    expect(page('person page')).toMatchObject({ rows: 2, requests: { GetItem: 1, Query: 5, BatchGetItem: 1 } });
  });

  it('sends no Scan for any page or report, and reports the targets and the table', () => {
    if (result.status !== 'measured') throw new Error('not measured');
    for (const entry of result.pages) expect(entry.requests).not.toHaveProperty('Scan');
    expect(page('insights: all accounts').kind).toBe('report');
    expect(page('access review: torq (every account)').rows).toBeGreaterThan(ACCOUNTS * 0.9);
    const targets = consoleTargets(result);
    expect(targets.find((target) => target.id === 'console-no-scan')).toMatchObject({ value: 0, status: 'PASS' });
    expect(consoleSection(result)?.rows).toHaveLength(result.pages.length);
  });
});
