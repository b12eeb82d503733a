import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../fakes/http-util.js';

export interface PostgresServer {
  /** A superuser URL of the `postgres` database. */
  readonly url: string;
  stop(): void;
}

/**
 * A throwaway PostgreSQL server from Debian's `postgresql` package: a new cluster in a temp folder, on a free
 * loopback port, no fsync. Undefined when the server binaries are not installed.
 */
export async function startPostgres(): Promise<PostgresServer | undefined> {
  const bin = findBinaries();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'resetpw-pg-'));
  const asRoot = process.getuid?.() === 0;
  // initdb refuses to run as root; run the server as the postgres user the package created.
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' })
      : execFileSync(cmd, args, { stdio: 'pipe' });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  run(bin.initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`;
  run(bin.pgCtl, ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      spawnSync(
        asRoot ? 'runuser' : bin.pgCtl,
        asRoot
          ? ['-u', 'postgres', '--', bin.pgCtl, '-D', data, '-m', 'immediate', 'stop']
          : ['-D', data, '-m', 'immediate', 'stop'],
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function findBinaries(): { initdb: string; pgCtl: string } | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const initdb = join(root, v, 'bin', 'initdb');
    const pgCtl = join(root, v, 'bin', 'pg_ctl');
    if (existsSync(initdb) && existsSync(pgCtl)) return { initdb, pgCtl };
  }
  const which = (name: string) => spawnSync('which', [name], { encoding: 'utf8' }).stdout.trim();
  const initdb = which('initdb');
  const pgCtl = which('pg_ctl');
  return initdb && pgCtl ? { initdb, pgCtl } : undefined;
}
