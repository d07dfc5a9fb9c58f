/**
 * A fixed ConsoleReader for the console's HTTP-level tests (guard, headers, escaping, query
 * checks): a few hand-written rows, hostile values among them, so each test knows exactly what a
 * page must show. The read model's own behaviour is tested against the stores, not here.
 */
import { ConfigError } from '../../functions/core/errors.ts';
import type { AccountRow, ConnectorOverview, ConsoleReader, Insights, PersonDetail, ReviewRow } from '../../functions/core/read-model.ts';
import { ZERO_COUNTS, type StoredAccount } from '../../functions/core/types.ts';

export const XSS_EMAIL = '<img src=x onerror=alert(1)>@x.com';
export const XSS_NAME = '<script>alert("name")</script>';
export const REASON = 'credentials rejected (401 at the token endpoint)';

const connectors: ConnectorOverview[] = [
  {
    connectorId: 'tg-acme',
    app: 'twingate',
    status: 'CONNECTED',
    statusChangedAt: '2026-11-30T10:00:00.000Z',
    statusReason: null,
    reconnectRequired: false,
    lastSyncAt: '2026-11-30T10:00:00.000Z',
    lastSuccessAt: '2026-11-30T10:00:00.000Z',
    lastError: null,
    counts: { ...ZERO_COUNTS, total: 2, new: 2 },
    lastRun: null,
  },
  {
    connectorId: 'torq-prod',
    app: 'torq',
    status: 'RECONNECT_REQUIRED',
    statusChangedAt: '2026-11-30T11:00:00.000Z',
    statusReason: REASON,
    reconnectRequired: true,
    lastSyncAt: '2026-11-30T11:00:00.000Z',
    lastSuccessAt: '2026-11-29T11:00:00.000Z',
    lastError: REASON,
    counts: { ...ZERO_COUNTS, total: 1 },
    lastRun: null,
  },
];

const hostile: StoredAccount = {
  id: 'u-1',
  email: XSS_EMAIL,
  emailKey: XSS_EMAIL,
  name: XSS_NAME,
  login: null,
  externalId: null,
  roleId: 'r-1',
  roleName: 'Owner',
  status: 'VERIFIED',
  state: 'active',
  ssoProvisioned: false,
  createdAt: null,
  updatedAt: null,
  lastLoginAt: null,
  connectorId: 'torq-prod',
  app: 'torq',
  firstSeenAt: '2026-11-29T11:00:00.000Z',
  lastChangedAt: '2026-11-29T11:00:00.000Z',
  removedAt: null,
};

const rows: AccountRow[] = [{ account: hostile, groups: [{ groupId: 'g-1', name: '<b>Admins</b>' }] }];

const review: ReviewRow[] = [
  {
    connectorId: 'torq-prod',
    app: 'torq',
    accountId: 'u-1',
    email: XSS_EMAIL,
    name: '=HYPERLINK("http://x")',
    role: 'Owner',
    groups: ['<b>Admins</b>'],
    state: 'active',
    status: 'VERIFIED',
    lastLoginAt: null,
    lastLoginReported: true,
    firstSeenAt: '2026-11-29T11:00:00.000Z',
  },
];

const person: PersonDetail = {
  emailKey: XSS_EMAIL,
  identity: { emailKey: XSS_EMAIL, firstSeenAt: '2026-11-29T11:00:00.000Z', firstConnectorId: 'torq-prod' },
  name: XSS_NAME,
  state: 'active',
  accounts: [{ account: hostile, history: [{ kind: 'first-seen', at: hostile.firstSeenAt }], memberships: [] }],
};

/** More dormant accounts than the insights page shows. */
export const DORMANT_ACCOUNTS = 150;

const insights: Insights = {
  generatedAt: '2026-12-01T00:00:00.000Z',
  days: 90,
  pendingDays: 90,
  coverage: [],
  dormant: Array.from({ length: DORMANT_ACCOUNTS }, (_, i) => ({
    connectorId: 'tg-acme',
    app: 'twingate',
    accountId: `d-${i}`,
    email: `dormant-${String(i).padStart(3, '0')}@example.com`,
    name: null,
    roleName: 'MEMBER',
    state: 'active' as const,
    removedAt: null,
    lastLoginAt: '2026-01-01T00:00:00.000Z',
    firstSeenAt: '2026-01-01T00:00:00.000Z',
    daysSinceLogin: 334,
  })),
  pendingInvitations: [],
  offboardingGaps: [],
  adminsPerApp: [],
  withoutEmail: [],
};

export function fixtureReader(): ConsoleReader {
  return {
    listConnectors: async () => connectors,
    listRuns: async () => ({ items: [], nextCursor: null }),
    listGroups: async () => [{ groupId: 'g-1', name: '<b>Admins</b>', type: 'MANUAL', memberCount: 1 }],
    listAccounts: async (query) => {
      if (query.cursor === 'stale') throw new ConfigError('the cursor belongs to another query: start from the first page');
      return { items: query.connectorId === 'torq-prod' ? rows : [], nextCursor: null };
    },
    listPeople: async () => ({
      items: [{ emailKey: XSS_EMAIL, name: XSS_NAME, firstSeenAt: hostile.firstSeenAt, state: 'active', accounts: [] }],
      nextCursor: null,
    }),
    getPerson: async (email) => (email === XSS_EMAIL ? person : null),
    activity: async () => [],
    insights: async () => insights,
    review: async (connectorId) => (connectorId === 'torq-prod' ? review : []),
  };
}
