import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,server,models,load-tests,tests,web}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.next/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['tests/setup/fast-check.ts'],
  },
});
