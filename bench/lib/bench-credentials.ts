/** The credentials the benchmark's simulator accepts: fixed benchmark values, not secrets. */
export const BENCH_CREDENTIALS = { clientId: 'rollcall-bench', clientSecret: 'rollcall-bench-secret' } as const;
