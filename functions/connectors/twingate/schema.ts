/**
 * The shapes Twingate answers with (research-twingate-scim.md A2, A3), checked at the boundary
 * with zod/mini (see the Torq schema module for why the mini build). A GraphQL answer is an
 * envelope `{data, errors}`; the connection shapes below are what the queries in `queries.ts`
 * select.
 */
import * as z from 'zod/mini';
import type { InvalidRecord } from '../../core/types.ts';
import { describeIssues, isRecord } from '../http/zod-issues.ts';

export { describeIssues };

const nonEmptyString = z.string().check(z.minLength(1));
const count = z.int().check(z.gte(0));

export const pageInfoSchema = z.object({
  hasNextPage: z.boolean(),
  endCursor: z.nullish(z.string()),
});

/** One GraphQL error, as far as a message may use it: where it happened and its code, never its text. */
const graphqlErrorSchema = z.object({
  path: z.optional(z.array(z.union([z.string(), z.number()]))),
  extensions: z.optional(z.object({ code: z.optional(z.unknown()) })),
});

export const envelopeSchema = z.object({
  data: z.optional(z.unknown()),
  errors: z.optional(z.array(z.unknown())),
});

export function describeGraphqlError(raw: unknown): { path: string | null; code: string | null } {
  const parsed = graphqlErrorSchema.safeParse(raw);
  if (!parsed.success) return { path: null, code: null };
  // Field names and list positions only: the names of the query's own fields, never a value.
  const path = parsed.data.path
    ?.map((step) => (typeof step === 'number' ? String(step) : /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(step) ? step : '?'))
    .join('.');
  const code = parsed.data.extensions?.code;
  return {
    path: path === undefined || path === '' ? null : path,
    code: typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : null,
  };
}

/** `data` of `USERS_QUERY`: edges stay unknown so one bad user is an invalid record, not a failed page. */
export const usersDataSchema = z.object({
  users: z.object({
    totalCount: count,
    pageInfo: pageInfoSchema,
    edges: z.array(z.unknown()),
  }),
});

export const twingateUserSchema = z.object({
  id: nonEmptyString,
  email: z.nullish(z.string()),
  firstName: z.nullish(z.string()),
  lastName: z.nullish(z.string()),
  role: z.nullish(z.string()),
  state: z.nullish(z.string()),
  type: z.nullish(z.string()),
  createdAt: z.nullish(z.string()),
  updatedAt: z.nullish(z.string()),
});
export type TwingateUser = z.infer<typeof twingateUserSchema>;

const userEdgeSchema = z.object({ node: twingateUserSchema });

export type UserParseResult =
  | { readonly ok: true; readonly user: TwingateUser }
  | { readonly ok: false; readonly invalid: InvalidRecord };

/** Validates one edge of a users page; a bad one is reported by its id (when it has one) and reason, never by content. */
export function parseUserEdge(raw: unknown): UserParseResult {
  const result = userEdgeSchema.safeParse(raw);
  if (result.success) return { ok: true, user: result.data.node };
  const node = isRecord(raw) ? raw.node : undefined;
  const id = isRecord(node) && typeof node.id === 'string' && node.id !== '' ? node.id : null;
  return { ok: false, invalid: { id, reason: describeIssues(result.error.issues, raw) } };
}

/** A group's members connection: ids only. */
export const membersSchema = z.object({
  totalCount: count,
  pageInfo: pageInfoSchema,
  edges: z.array(z.object({ node: z.object({ id: nonEmptyString }) })),
});
export type TwingateMembers = z.infer<typeof membersSchema>;

export const twingateGroupSchema = z.object({
  id: nonEmptyString,
  name: z.nullish(z.string()),
  type: z.nullish(z.string()),
  isActive: z.nullish(z.boolean()),
  users: membersSchema,
});
export type TwingateGroup = z.infer<typeof twingateGroupSchema>;

/** `data` of `GROUPS_QUERY`: strict, since a group or member that cannot be read makes its membership unknowable. */
export const groupsDataSchema = z.object({
  groups: z.object({
    pageInfo: pageInfoSchema,
    edges: z.array(z.object({ node: twingateGroupSchema })),
  }),
});

/** `data` of `GROUP_MEMBERS_QUERY`; `group` is `null` when the group was deleted meanwhile. */
export const groupMembersDataSchema = z.object({
  group: z.nullable(z.object({ id: nonEmptyString, users: membersSchema })),
});

/** `data` of `GROUP_UPDATE_MUTATION`. */
export const groupUpdateDataSchema = z.object({
  groupUpdate: z.object({
    ok: z.boolean(),
    error: z.nullish(z.string()),
    entity: z.nullish(z.object({ id: nonEmptyString })),
  }),
});
