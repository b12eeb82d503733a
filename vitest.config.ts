import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/postgres.ts', 'test/setup/cloud-tls.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Each file starts its own fakes on ephemeral loopback ports, so files can run in parallel.
    pool: 'forks',
    unstubEnvs: true,
  },
});
