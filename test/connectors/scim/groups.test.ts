/** The SCIM connector's groups stream against loopback servers: members from `members[]`, and providers without `/Groups`. */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, PermissionError } from '../../../functions/core/errors.ts';
import { closeAll, connect, loopbackScim, pagedList, pagesOf, scimError, type Answer, type Exchange } from './support.ts';

afterEach(closeAll);

const groups = [
  { id: 'g1', displayName: 'Engineering', members: [{ value: 'u1', type: 'User' }, { value: 'u2' }, { value: 'g2', type: 'Group' }] },
  { id: 'g2', displayName: 'Platform', members: [{ value: 'u3', $ref: 'https://scim.example/Users/u3' }, { value: 'g9', $ref: '../Groups/g9' }] },
  { id: 'g3', displayName: 'Empty' },
  { id: 4, displayName: 'Numeric', members: [{ value: 7 }, { display: 'no value' }] },
];

async function groupsAnswering(answer: (exchange: Exchange) => Answer) {
  const server = await loopbackScim((exchange) => (exchange.path === '/ServiceProviderConfig' ? { status: 404 } : answer(exchange)));
  return { server, connector: connect(server.baseUrl, { pageSize: 2 }) };
}

describe('the groups stream', () => {
  it('pages /Groups like /Users and lists user members, leaving nested groups out', async () => {
    const { connector, server } = await groupsAnswering((exchange) => pagedList(groups, exchange.query));

    const pages = await pagesOf(connector, 'groups');

    expect(server.to('/Groups').map((exchange) => exchange.query.get('startIndex'))).toEqual(['1', '3']);
    expect(pages.flatMap((page) => page.groups ?? [])).toEqual([
      { id: 'g1', name: 'Engineering', type: null, active: null, memberCount: 2, implicit: false },
      { id: 'g2', name: 'Platform', type: null, active: null, memberCount: 1, implicit: false },
      { id: 'g3', name: 'Empty', type: null, active: null, memberCount: 0, implicit: false },
      // The member without a value still counts: the core sees one member short and revokes nothing of the group.
      { id: '4', name: 'Numeric', type: null, active: null, memberCount: 2, implicit: false },
    ]);
    expect(pages.flatMap((page) => page.members ?? [])).toEqual([
      { groupId: 'g1', accountIds: ['u1', 'u2'] },
      { groupId: 'g2', accountIds: ['u3'] },
      { groupId: 'g3', accountIds: [] },
      { groupId: '4', accountIds: ['7'] },
    ]);
    expect(pages.every((page) => page.accounts.length === 0 && page.total === undefined)).toBe(true);
  });

  it.each([404, 501])('takes %i on the first /Groups page as a provider without groups', async (status) => {
    const { connector } = await groupsAnswering(() => scimError(status));
    expect(await connector.listPage('groups', null)).toEqual({ accounts: [], invalid: [], groups: [], members: [], nextCursor: null });
  });

  it('fails on a 404 past the first page: the groups vanished mid-listing, not the endpoint', async () => {
    const { connector } = await groupsAnswering((exchange) => (exchange.query.get('startIndex') === '1' ? pagedList(groups, exchange.query) : { status: 404 }));
    const first = await connector.listPage('groups', null);
    await expect(connector.listPage('groups', first.nextCursor)).rejects.toThrow(/answered HTTP 404/);
    await expect(connector.listPage('groups', first.nextCursor)).rejects.not.toThrow(ConfigError);
  });

  it('names groups in a 403', async () => {
    const { connector } = await groupsAnswering(() => scimError(403));
    await expect(connector.listPage('groups', null)).rejects.toThrow(PermissionError);
    await expect(connector.listPage('groups', null)).rejects.toThrow(/token lacks permission to list groups/);
  });

  it('fails a page with a group it cannot name', async () => {
    const { connector } = await groupsAnswering(() => ({ body: { totalResults: 1, Resources: [{ displayName: 'no id' }] } }));
    await expect(connector.listPage('groups', null)).rejects.toThrow(/group 1 of the page is unreadable: id: /);
  });
});
