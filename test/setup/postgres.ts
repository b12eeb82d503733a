import type { TestProject } from 'vitest/node';
import { startPostgres } from '../helpers/postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the throwaway PostgreSQL server, or '' when none could be started locally. */
    pgUrl: string;
  }
}

/**
 * Starts a real PostgreSQL server for the whole test run. Locally, missing binaries skip the PostgreSQL suites
 * with a message; under CI=true they are a failure.
 */
export default async function setup(project: TestProject) {
  const server = await startPostgres();
  if (!server) {
    const message = 'PostgreSQL server binaries not found (Debian: apt-get install postgresql)';
    if (process.env.CI === 'true') throw new Error(`${message}; CI=true requires them`);
    console.warn(`${message}: the PostgreSQL store suites will be skipped.`);
    project.provide('pgUrl', '');
    return undefined;
  }
  project.provide('pgUrl', server.url);
  return () => server.stop();
}
