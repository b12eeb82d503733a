import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';

export type Engine = 'sqlite' | 'postgres';

/**
 * Schema changes, applied in order at start-up. Kysely's migrator takes a lock (an advisory lock on PostgreSQL,
 * the database file's write lock on SQLite), so two replicas starting together apply each migration once.
 * Never edit a migration that has shipped; add a new one.
 */
const migrations = (engine: Engine): Record<string, Migration> => ({
  '0001_resets': {
    async up(db: Kysely<unknown>) {
      const isPostgres = engine === 'postgres';
      await db.schema
        .createTable('resets')
        .addColumn('seq', isPostgres ? 'bigserial' : 'integer', (c) =>
          isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('team_id', 'text')
        .addColumn('admin_user_id', 'text', (c) => c.notNull())
        .addColumn('employee_name', 'text')
        .addColumn('employee_code', 'text')
        .addColumn('phone_e164', 'text')
        .addColumn('reason', 'text')
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('message_sid', 'text')
        .addColumn('error_code', 'text')
        .addColumn('twilio_error_code', 'integer')
        .execute();
      await db.schema.createIndex('resets_created_at').on('resets').column('created_at').execute();
      await db.schema
        .createIndex('resets_employee_code')
        .on('resets')
        .columns(['employee_code', 'created_at'])
        .execute();
      await db.schema.createIndex('resets_result').on('resets').column('result').execute();
    },
  },
});

export async function migrate(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(engine) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(
      `database migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? 'unknown error'}`,
    );
  }
}
