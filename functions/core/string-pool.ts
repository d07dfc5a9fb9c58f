/**
 * One shared instance per distinct string. Parsed JSON and unmarshalled items carry fresh copies
 * of every value, so 100,000 accounts would hold 100,000 copies of the same connector id, role,
 * status and sync time; sharing them saved about a third of the heap of loaded and listed
 * accounts in the benchmark (README, "Performance").
 */
export type StringPool = (value: string) => string;

export function createStringPool(): StringPool {
  const pool = new Map<string, string>();
  return (value) => {
    const shared = pool.get(value);
    if (shared !== undefined) return shared;
    pool.set(value, value);
    return value;
  };
}

/** For callers that keep a single record: no pool to fill. */
export const unpooled: StringPool = (value) => value;
