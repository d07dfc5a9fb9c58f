/**
 * The shapes a SCIM service provider answers with (RFC 7643, RFC 7644 section 3.4.2 and 3.12,
 * RFC 9865), checked at the boundary with zod/mini and read leniently where providers are known to
 * differ from the RFCs (research-twingate-scim.md B2, B5): `status` as a number, `primary` and
 * `active` as strings, `Resources` absent when empty, ids sent as numbers.
 */
import * as z from 'zod/mini';
import type { InvalidRecord } from '../../core/types.ts';
import { describeIssues, isRecord } from '../http/zod-issues.ts';

export { describeIssues };

export const LIST_RESPONSE_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** An id as providers send it: a string (RFC 7643 section 3.1), or a number some send instead. */
const idSchema = z.union([z.string().check(z.minLength(1)), z.int()]);
/** A count as providers send it: an integer, or its digits as a string. */
const countSchema = z.union([z.int().check(z.gte(0)), z.pipe(z.string().check(z.regex(/^\d{1,15}$/)), z.transform(Number))]);
/** A boolean as providers send it: `true`, or `"true"`/`"True"`. */
const flagSchema = z.union([z.boolean(), z.string()]);

/** A ListResponse (RFC 7644 section 3.4.2) with RFC 9865's cursor; resources stay unknown, so one bad record is an invalid record. */
export const listResponseSchema = z.object({
  totalResults: z.optional(z.nullable(countSchema)),
  Resources: z.optional(z.nullable(z.array(z.unknown()))),
  nextCursor: z.optional(z.nullable(z.string())),
});
export type ListResponse = z.output<typeof listResponseSchema>;

const emailSchema = z.object({
  value: z.nullish(z.string()),
  type: z.nullish(z.string()),
  primary: z.nullish(flagSchema),
});

export const scimUserSchema = z.object({
  id: idSchema,
  userName: z.nullish(z.string()),
  externalId: z.nullish(z.string()),
  displayName: z.nullish(z.string()),
  name: z.nullish(
    z.object({
      formatted: z.nullish(z.string()),
      givenName: z.nullish(z.string()),
      familyName: z.nullish(z.string()),
    }),
  ),
  // Entries are read one by one: a malformed entry is skipped, not the user.
  emails: z.nullish(z.array(z.unknown())),
  active: z.nullish(flagSchema),
  meta: z.nullish(
    z.object({
      created: z.nullish(z.string()),
      lastModified: z.nullish(z.string()),
    }),
  ),
});
export type ScimUser = z.output<typeof scimUserSchema>;
export type ScimEmail = z.output<typeof emailSchema>;

export type UserParseResult = { readonly ok: true; readonly user: ScimUser } | { readonly ok: false; readonly invalid: InvalidRecord };

/** One user resource; a bad one is reported by its id (when readable) and reason, never by content. */
export function parseUser(raw: unknown): UserParseResult {
  const result = scimUserSchema.safeParse(raw);
  if (result.success) return { ok: true, user: result.data };
  const id = isRecord(raw) && (typeof raw.id === 'string' || Number.isSafeInteger(raw.id)) && raw.id !== '' ? String(raw.id) : null;
  return { ok: false, invalid: { id, reason: describeIssues(result.error.issues, raw) } };
}

/** The readable entries of a user's `emails`; any other entry is left out. */
export function readEmails(raw: readonly unknown[] | null | undefined): ScimEmail[] {
  const emails: ScimEmail[] = [];
  for (const entry of raw ?? []) {
    const parsed = emailSchema.safeParse(entry);
    if (parsed.success) emails.push(parsed.data);
  }
  return emails;
}

/** A member of a group (RFC 7643 section 4.2): `value` is the member's id, `type` `User` or `Group`. */
const memberSchema = z.object({
  value: z.optional(z.unknown()),
  type: z.nullish(z.string()),
  $ref: z.nullish(z.string()),
});
export type ScimMember = z.output<typeof memberSchema>;

/** A group is strict about its id: a group that cannot be named makes its membership unknowable. */
export const scimGroupSchema = z.object({
  id: idSchema,
  displayName: z.nullish(z.string()),
  members: z.nullish(z.array(memberSchema)),
});
export type ScimGroup = z.output<typeof scimGroupSchema>;

/**
 * What a SCIM error body (RFC 7644 section 3.12) may tell a message: its status and `scimType`,
 * never `detail`, which providers fill with the values they refused.
 */
export interface ScimErrorInfo {
  /** The body's `status` (a string per the RFC, a number in practice), when it is an HTTP error status. */
  readonly status: number | null;
  /** The body's `scimType`, when it is a plain keyword (`invalidCursor`, `tooMany`, ...). */
  readonly scimType: string | null;
}

const errorBodySchema = z.object({
  schemas: z.optional(z.unknown()),
  status: z.optional(z.unknown()),
  scimType: z.optional(z.unknown()),
});

/**
 * The status and `scimType` of an error body, wherever a provider put them: at the top level as
 * the RFC says, or inside an envelope of the provider's own (`{"error": {...}}`,
 * `{"Errors": [{...}]}`). Nothing readable: both `null`.
 */
export function readScimError(json: unknown): ScimErrorInfo {
  for (const candidate of errorCandidates(json)) {
    const parsed = errorBodySchema.safeParse(candidate);
    if (!parsed.success) continue;
    const status = readStatus(parsed.data.status);
    const scimType = typeof parsed.data.scimType === 'string' && /^[A-Za-z][A-Za-z0-9]{0,39}$/.test(parsed.data.scimType) ? parsed.data.scimType : null;
    if (status !== null || scimType !== null) return { status, scimType };
  }
  return { status: null, scimType: null };
}

function errorCandidates(json: unknown): unknown[] {
  if (!isRecord(json)) return [];
  const nested = [json.error, json.Error, json.errors, json.Errors].flatMap((value) => (Array.isArray(value) ? value.slice(0, 1) : [value]));
  return [json, ...nested.filter(isRecord)];
}

function readStatus(value: unknown): number | null {
  const status = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d{3}\s*$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : null;
}

/** A 2xx body that is a SCIM error message rather than the resource asked for. */
export function isScimErrorBody(json: unknown): boolean {
  if (!isRecord(json)) return false;
  return Array.isArray(json.schemas) && json.schemas.includes(ERROR_URN);
}

/** What `/ServiceProviderConfig` may say about paging (RFC 7643 section 5, RFC 9865 section 4). */
const serviceProviderConfigSchema = z.object({
  filter: z.nullish(z.object({ maxResults: z.nullish(z.unknown()) })),
  pagination: z.nullish(
    z.object({
      cursor: z.nullish(z.unknown()),
      index: z.nullish(z.unknown()),
      maxPageSize: z.nullish(z.unknown()),
    }),
  ),
});

export interface PagingHints {
  /** The most resources the provider returns per page, when it says. */
  readonly maxPageSize: number | null;
  /** The provider pages by cursor only (RFC 9865): the first request asks for a cursor. */
  readonly cursorOnly: boolean;
}

export const NO_HINTS: PagingHints = { maxPageSize: null, cursorOnly: false };

export function readPagingHints(json: unknown): PagingHints {
  const parsed = serviceProviderConfigSchema.safeParse(json);
  if (!parsed.success) return NO_HINTS;
  const { filter, pagination } = parsed.data;
  const size = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null);
  return {
    maxPageSize: size(pagination?.maxPageSize) ?? size(filter?.maxResults),
    cursorOnly: pagination?.cursor === true && pagination.index === false,
  };
}
