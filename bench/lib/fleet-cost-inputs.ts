/**
 * The benchmark's unchanged-poll measurements the fleet numbers start from (README, "Performance",
 * `npm run bench -- --markdown` on 2026-12-01): wall time and cost of one unchanged poll of a
 * Torq workspace at Torq's rate limit, 25 ms per API call.
 */
export const sizeCostFromReadme = [
  { users: 1_000, pollSeconds: 0.47, pollUsd: 0.00003 },
  { users: 10_000, pollSeconds: 2.73, pollUsd: 0.00024 },
  { users: 100_000, pollSeconds: 22.27, pollUsd: 0.0023 },
] as const;
