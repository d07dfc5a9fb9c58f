/**
 * An independent SCIM 2.0 service provider for tests: scimmy (RFC 7643/7644 resources, schemas
 * and ListResponse paging) behind scimmy-routers on express, on 127.0.0.1 at a port the OS
 * chooses, serving a directory held in memory through scimmy's resource handlers. Nothing of
 * Rollcall's simulators is in it: what the connector meets here is a third party's reading of
 * the RFCs (its `startIndex`/`count` slicing, its `totalResults`, its error bodies and 401s).
 *
 * scimmy keeps its resource declarations per process (`SCIMMY.Resources.declare`); they are made
 * once, and each peer's router hands its own directory to the handlers as their context, so
 * several peers can run side by side in one test file.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';

export interface PeerUser {
  id: string;
  userName: string;
  externalId?: string;
  displayName?: string;
  name?: { givenName?: string; familyName?: string; formatted?: string };
  emails?: { value: string; type?: string; primary?: boolean }[];
  active: boolean;
  meta?: { created: string };
}

export interface PeerGroup {
  id: string;
  displayName: string;
  /** Member user ids. */
  members: string[];
}

export interface PeerDirectory {
  users: PeerUser[];
  groups: PeerGroup[];
}

export interface ScimmyPeer {
  /** The SCIM base: `http://127.0.0.1:PORT/scim/v2`. */
  readonly baseUrl: string;
  /** Changed in place between polls (`churnPeerDirectory`). */
  readonly directory: PeerDirectory;
  /** Requests answered, per path below the base (`/Users`, `/Groups`, `/ServiceProviderConfig`). */
  requests(path?: string): number;
  /** The bearer token the peer accepts from now on. */
  setToken(token: string): void;
  close(): Promise<void>;
}

let declared = false;

/** Declares scimmy's User and Group resources once, reading the directory of the router that asks. */
function declareResources(): void {
  if (declared) return;
  declared = true;
  // scimmy answers 404 itself when a handler finds no resource of the id asked for.
  const users = (resource: { id?: string }, context: PeerDirectory) => {
    const all = context.users.map(toScimUser);
    return resource.id === undefined ? all : all.find((candidate) => candidate.id === resource.id);
  };
  const groups = (resource: { id?: string }, context: PeerDirectory) => {
    const all = context.groups.map(toScimGroup);
    return resource.id === undefined ? all : all.find((candidate) => candidate.id === resource.id);
  };
  // scimmy types a handler's records by its schema classes; these are plain records of those schemas.
  SCIMMY.Resources.declare(SCIMMY.Resources.User);
  SCIMMY.Resources.User.egress(users as unknown as Parameters<typeof SCIMMY.Resources.User.egress>[0]);
  SCIMMY.Resources.declare(SCIMMY.Resources.Group);
  SCIMMY.Resources.Group.egress(groups as unknown as Parameters<typeof SCIMMY.Resources.Group.egress>[0]);
}

function toScimUser(user: PeerUser): Record<string, unknown> {
  return { ...user };
}

function toScimGroup(group: PeerGroup): Record<string, unknown> {
  return { id: group.id, displayName: group.displayName, members: group.members.map((value) => ({ value, type: 'User' })) };
}

export async function startScimmyPeer(options: { directory: PeerDirectory; token: string }): Promise<ScimmyPeer> {
  declareResources();
  const { directory } = options;
  let token = options.token;
  const counts = new Map<string, number>();
  const app = express();
  app.use('/scim/v2', (request, _response, next) => {
    counts.set(request.path, (counts.get(request.path) ?? 0) + 1);
    next();
  });
  app.use(
    '/scim/v2',
    new SCIMMYRouters({
      type: 'bearer',
      handler: (request) => {
        if (request.header('authorization') !== `Bearer ${token}`) throw new Error('Bearer token not recognised');
        return 'rollcall';
      },
      context: () => directory,
    }),
  );
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`,
    directory,
    requests: (path) => (path === undefined ? [...counts.values()].reduce((sum, count) => sum + count, 0) : (counts.get(path) ?? 0)),
    setToken: (next) => {
      token = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A small deterministic generator (mulberry32): the same seed, the same directory. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let nextSerial = 0;

function newUser(next: () => number, serial: number): PeerUser {
  const id = `peer-${serial.toString(36)}-${Math.floor(next() * 1e9).toString(36)}`;
  const email = `person${serial}@peer.example`;
  // Some accounts carry no email at all, as SCIM allows: their userName is a login, not an address.
  const withoutEmail = next() < 0.05;
  return {
    id,
    userName: withoutEmail ? `login${serial}` : email,
    externalId: `ext-${serial}`,
    name: { givenName: `Given${serial}`, familyName: `Family${serial}` },
    ...(withoutEmail ? {} : { emails: [{ value: email, type: 'work', primary: true }] }),
    active: next() > 0.1,
    meta: { created: new Date(Date.UTC(2026, 0, 1) + serial * 60_000).toISOString() },
  };
}

export function generatePeerDirectory(options: { users: number; groups: number; seed: number }): PeerDirectory {
  const next = random(options.seed);
  const users = Array.from({ length: options.users }, () => newUser(next, nextSerial++));
  const groups = Array.from({ length: options.groups }, (_, index) => newGroup(next, users, index));
  return { users, groups };
}

function newGroup(next: () => number, users: readonly PeerUser[], index: number): PeerGroup {
  const size = 3 + Math.floor(next() * 12);
  const members = new Set<string>();
  while (members.size < Math.min(size, users.length)) members.add(users[Math.floor(next() * users.length)]!.id);
  return { id: `grp-${nextSerial++}-${index}`, displayName: `Team ${index}`, members: [...members] };
}

export interface PeerChurn {
  readonly seed: number;
  readonly adds?: number;
  readonly removals?: number;
  /** Active accounts deactivated (`active: false`). */
  readonly deactivations?: number;
  readonly groupAdds?: number;
  readonly groupRemovals?: number;
  /** Memberships added, each to a different group. */
  readonly memberAdds?: number;
  /** Memberships removed of accounts that stay, each from a different group. */
  readonly memberRemovals?: number;
}

/** What a churn changed, as the collector must count it. */
export interface PeerChurnEffect {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  /** Memberships that appeared: new groups' and added ones (new accounts join none). */
  readonly granted: number;
  /** Memberships that ended while their account stayed: removed ones and those of removed groups. */
  readonly revoked: number;
}

/**
 * Changes `directory` in place. New accounts join no group; removed accounts leave theirs (those
 * memberships close with the account, uncounted); at most one membership per group is removed,
 * and few groups, so no safety valve holds them.
 */
export function churnPeerDirectory(directory: PeerDirectory, churn: PeerChurn): PeerChurnEffect {
  const next = random(churn.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const removedIds = new Set<string>();
  for (let index = 0; index < (churn.removals ?? 0); index++) {
    const candidates = directory.users.filter((user) => !removedIds.has(user.id));
    removedIds.add(pick(candidates).id);
  }
  directory.users = directory.users.filter((user) => !removedIds.has(user.id));
  for (const group of directory.groups) group.members = group.members.filter((id) => !removedIds.has(id));

  let changed = 0;
  const active = directory.users.filter((user) => user.active);
  for (let index = 0; index < Math.min(churn.deactivations ?? 0, active.length); index++) {
    const user = active.splice(Math.floor(next() * active.length), 1)[0]!;
    user.active = false;
    changed += 1;
  }

  let revoked = 0;
  const removedGroups = new Set<string>();
  for (let index = 0; index < (churn.groupRemovals ?? 0); index++) {
    const group = pick(directory.groups.filter((candidate) => !removedGroups.has(candidate.id)));
    removedGroups.add(group.id);
    revoked += group.members.length;
  }
  directory.groups = directory.groups.filter((group) => !removedGroups.has(group.id));

  const touched = new Set<string>();
  const untouched = () => directory.groups.filter((group) => !touched.has(group.id));
  for (let index = 0; index < (churn.memberRemovals ?? 0); index++) {
    const group = pick(untouched().filter((candidate) => candidate.members.length > 1));
    touched.add(group.id);
    group.members.splice(Math.floor(next() * group.members.length), 1);
    revoked += 1;
  }
  let granted = 0;
  for (let index = 0; index < (churn.memberAdds ?? 0); index++) {
    const group = pick(untouched());
    touched.add(group.id);
    const outside = directory.users.filter((user) => !group.members.includes(user.id));
    group.members.push(pick(outside).id);
    granted += 1;
  }

  const added = Array.from({ length: churn.adds ?? 0 }, () => newUser(next, nextSerial++));
  directory.users.push(...added);
  for (let index = 0; index < (churn.groupAdds ?? 0); index++) {
    const group = newGroup(next, directory.users, directory.groups.length + index);
    directory.groups.push(group);
    granted += group.members.length;
  }
  return { added: added.length, removed: removedIds.size, changed, granted, revoked };
}
