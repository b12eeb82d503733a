import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

/** The engines a store suite runs against: SQLite always, PostgreSQL when the test setup started a server. */
export const ENGINES = ['sqlite', 'postgres'] as const;
export type EngineName = (typeof ENGINES)[number];

export function postgresAvailable(): boolean {
  return inject('pgUrl') !== '';
}

/** A new, empty database on the chosen engine, as a DATABASE_URL. */
export async function freshDatabaseUrl(engine: EngineName): Promise<string> {
  if (engine === 'sqlite') return `sqlite:${join(mkdtempSync(join(tmpdir(), 'resetpw-sqlite-')), 'resetpw.sqlite')}`;
  const admin = new pg.Client({ connectionString: inject('pgUrl') });
  const name = `t_${randomBytes(6).toString('hex')}`;
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return inject('pgUrl').replace(/\/postgres$/, `/${name}`);
}
