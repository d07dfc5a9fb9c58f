/** Faults that hit the next `count` requests (rate limits, server errors), shared by the simulators. */

/** Takes one shot of a counted fault: the fault as it was, and what remains (`undefined` once spent). */
export function consumeCounted<T extends { count: number }>(fault: T | undefined): { hit: T | undefined; rest: T | undefined } {
  if (!fault || fault.count <= 0) return { hit: undefined, rest: undefined };
  return { hit: fault, rest: fault.count > 1 ? { ...fault, count: fault.count - 1 } : undefined };
}
