/**
 * The part of Twingate's Admin API schema the simulator serves, shaped as Twingate's introspected
 * schema is (research-twingate-scim.md A2 and A3: `QueriesRoot`, Relay connections with
 * `totalCount`, nullable `email`, the deprecated `isAdmin`). graphql-js validates every query
 * against it, so a client selecting a field Twingate lacks fails here as it would there.
 * Of the mutations only `groupUpdate` is served (membership provisioning); filters and the other
 * object types (resources, devices, ...) are left out.
 */
import { buildSchema, type GraphQLSchema } from 'graphql';

export const TWINGATE_SCHEMA_SDL = /* GraphQL */ `
  schema {
    query: QueriesRoot
    mutation: MutationsRoot
  }

  scalar DateTime

  enum UserRole {
    ADMIN
    DEVOPS
    SUPPORT
    ACCESS_REVIEWER
    MEMBER
  }

  enum UserState {
    ACTIVE
    PENDING
    DISABLED
  }

  enum UserType {
    MANUAL
    SYNCED
  }

  enum GroupType {
    MANUAL
    SYNCED
    SYSTEM
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type User {
    id: ID!
    email: String
    firstName: String!
    lastName: String!
    avatarUrl: String
    role: UserRole!
    state: UserState!
    type: UserType!
    createdAt: DateTime!
    updatedAt: DateTime!
    isAdmin: Boolean! @deprecated(reason: "Use \`role\` instead.")
    groups(after: String, before: String, first: Int, last: Int): GroupConnection!
  }

  type UserEdge {
    cursor: String!
    node: User!
  }

  type UserConnection {
    edges: [UserEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type Group {
    id: ID!
    name: String!
    type: GroupType!
    isActive: Boolean!
    originId: String
    createdAt: DateTime!
    updatedAt: DateTime!
    users(after: String, before: String, first: Int, last: Int): UserConnection!
  }

  type GroupEdge {
    cursor: String!
    node: Group!
  }

  type GroupConnection {
    edges: [GroupEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  "Twingate's mutation payloads answer a refusal in HTTP 200 with ok false and the reason in error."
  type GroupUpdatePayload {
    ok: Boolean!
    error: String
    entity: Group
  }

  type MutationsRoot {
    groupUpdate(id: ID!, addedUserIds: [ID], removedUserIds: [ID]): GroupUpdatePayload!
  }

  type QueriesRoot {
    users(after: String, before: String, first: Int, last: Int): UserConnection!
    user(id: ID!): User
    groups(after: String, before: String, first: Int, last: Int): GroupConnection!
    group(id: ID!): Group
  }
`;

let built: GraphQLSchema | null = null;

/** Built once per process: the schema is immutable and every simulator shares it. */
export function twingateSchema(): GraphQLSchema {
  built ??= buildSchema(TWINGATE_SCHEMA_SDL);
  return built;
}
