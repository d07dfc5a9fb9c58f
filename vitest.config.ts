import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Vitest's default leaves one of this project's two CI cores idle; the CLI tests spend most of
    // their time waiting on child processes, so a second worker cuts the suite by about a fifth.
    maxWorkers: 2,
  },
});
