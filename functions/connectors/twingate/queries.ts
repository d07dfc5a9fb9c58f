/**
 * The GraphQL documents the connector sends. Constant text: every value travels in `variables`,
 * never spliced into a query (research-twingate-scim.md A5: ConductorOne's connector formats
 * cursors into its query text). Fields are the ones the inventory needs; `role`, never the
 * deprecated `isAdmin`.
 */

/** One page of users, with the network's user count (`totalCount`) to cross-check the listing. */
export const USERS_QUERY = /* GraphQL */ `
  query RollcallUsers($first: Int!, $after: String) {
    users(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id email firstName lastName role state type createdAt updatedAt } }
    }
  }
`;

const MEMBERS = 'totalCount pageInfo { hasNextPage endCursor } edges { node { id } }';

/** One page of groups, each with the first page of its members (Terraform's `ReadGroups` shape). */
export const GROUPS_QUERY = /* GraphQL */ `
  query RollcallGroups($first: Int!, $after: String, $membersFirst: Int!) {
    groups(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id name type isActive users(first: $membersFirst) { ${MEMBERS} } } }
    }
  }
`;

/** The next page of one group's members. */
export const GROUP_MEMBERS_QUERY = /* GraphQL */ `
  query RollcallGroupMembers($id: ID!, $first: Int!, $after: String) {
    group(id: $id) {
      id
      users(first: $first, after: $after) { ${MEMBERS} }
    }
  }
`;

/**
 * Adds or removes users in one group (Terraform's `GroupUpdate` shape). Twingate answers
 * `{ ok, error, entity }` in HTTP 200; `ok: false` is a refusal with its reason in `error`.
 */
export const GROUP_UPDATE_MUTATION = /* GraphQL */ `
  mutation RollcallGroupUpdate($id: ID!, $addedUserIds: [ID], $removedUserIds: [ID]) {
    groupUpdate(id: $id, addedUserIds: $addedUserIds, removedUserIds: $removedUserIds) { ok error entity { id } }
  }
`;
