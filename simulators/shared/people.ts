/**
 * Names the Twingate and SCIM simulators draw people and groups from, and a seeded sample of
 * distinct indexes (churn picks whom it changes with it). Torq's simulator keeps its own longer,
 * lower-case lists: its seeded workspaces, and the tests and demo built on them, depend on them.
 */
import type { SeededRandom } from './random.ts';

export const GROUP_NAMES = [
  'Engineering', 'Sales', 'Customer Support', 'Finance', 'IT Admins', 'Contractors', 'Security',
  'Marketing', 'Data Platform', 'Design', 'Legal', 'People Ops', 'SRE On-call', 'Partners',
] as const;

export const FIRST_NAMES = [
  'Ada', 'Alan', 'Amara', 'Ben', 'Carlos', 'Chen', 'Dana', 'Elena', 'Emeka', 'Farah', 'Felix', 'Grace',
  'Hana', 'Hugo', 'Ines', 'Ivan', 'Jamal', 'Jin', 'Kai', 'Lara', 'Leo', 'Maya', 'Mei', 'Nadia', 'Noah',
  'Omar', 'Priya', 'Rafael', 'Rosa', 'Sam', 'Sofia', 'Tariq', 'Uma', 'Victor', 'Wei', 'Yara', 'Zoe',
] as const;

export const LAST_NAMES = [
  'Adams', 'Alvarez', 'Bauer', 'Brown', 'Castro', 'Cohen', 'Dubois', 'Eriksson', 'Fischer', 'Garcia',
  'Haddad', 'Hansen', 'Ibrahim', 'Ito', 'Kim', 'Kumar', 'Larsen', 'Lee', 'Lopez', 'Meyer', 'Nguyen',
  'Novak', 'Okafor', 'Patel', 'Perez', 'Rossi', 'Santos', 'Silva', 'Singh', 'Tanaka', 'Wang', 'Weber',
] as const;

/** `count` distinct indexes in [0, length), by a partial Fisher-Yates shuffle. */
export function pickDistinctIndexes(random: SeededRandom, length: number, count: number): number[] {
  const indexes = Array.from({ length }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + random.int(length - i);
    const swap = indexes[i] as number;
    indexes[i] = indexes[j] as number;
    indexes[j] = swap;
  }
  return indexes.slice(0, count);
}
