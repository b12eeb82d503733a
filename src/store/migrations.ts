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
  '0002_submissions_limits_delivery': {
    async up(db: Kysely<unknown>) {
      const isPostgres = engine === 'postgres';
      // One row per modal submission processed: the primary key is what makes a view.id count once.
      await db.schema
        .createTable('submissions')
        .addColumn('view_id', 'text', (c) => c.primaryKey())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // rate-limiter-flexible's own layout (key, points, expire in epoch ms), shared by every limit via key prefixes.
      await db.schema
        .createTable('rate_limits')
        .addColumn('key', isPostgres ? 'varchar(255)' : 'text', (c) => c.primaryKey())
        .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expire', 'bigint')
        .execute();
      // SQLite adds one column per statement.
      for (const [name, type] of [
        ['delivery_status', 'text'],
        ['delivery_error_code', 'integer'],
        ['track_until', 'text'],
        ['redacted_at', 'text'],
        ['announcement_ts', 'text'],
      ] as const) {
        await db.schema.alterTable('resets').addColumn(name, type).execute();
      }
      await db.schema
        .createTable('delivery_events')
        .addColumn('seq', isPostgres ? 'bigserial' : 'integer', (c) =>
          isPostgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('reset_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_code', 'integer')
        .execute();
      await db.schema.createIndex('delivery_events_reset').on('delivery_events').column('reset_id').execute();
    },
  },
  '0003_directory': {
    async up(db: Kysely<unknown>) {
      for (const name of [
        'directory_kind',
        'directory_account',
        'directory_login',
        'directory_result',
        'directory_detail',
        'directory_marker',
      ]) {
        await db.schema.alterTable('resets').addColumn(name, 'text').execute();
      }
      // Compensation asks "is this the newest write for the account?"; the scramble retry asks for failed ones.
      await db.schema
        .createIndex('resets_directory_account')
        .on('resets')
        .columns(['directory_account', 'seq'])
        .execute();
      await db.schema.createIndex('resets_directory_result').on('resets').column('directory_result').execute();
    },
  },
  '0004_forms': {
    async up(db: Kysely<unknown>) {
      // The forms the bot opened: a submission is only processed for one of these, with what was stored here.
      await db.schema
        .createTable('forms')
        .addColumn('view_id', 'text', (c) => c.primaryKey())
        .addColumn('team_id', 'text', (c) => c.notNull())
        .addColumn('admin_user_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('response_url', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('confirmed_code', 'text')
        .addColumn('confirmed_account', 'text')
        .addColumn('confirmed_reason', 'text')
        .execute();
      await db.schema.createIndex('forms_opened_at').on('forms').column('opened_at').execute();
      // How many refusals one row stands for: a flood of refused commands is one row a minute, counted.
      await db.schema.alterTable('resets').addColumn('repeat_count', 'integer').execute();
      await db.schema
        .createIndex('resets_admin_refusals')
        .on('resets')
        .columns(['admin_user_id', 'result', 'created_at'])
        .execute();
    },
  },
  '0005_confirmed_phone': {
    async up(db: Kysely<unknown>) {
      // The number the confirmation step showed: the reset texts only that one, or refuses if the record changed.
      await db.schema.alterTable('forms').addColumn('confirmed_phone', 'text').execute();
    },
  },
  '0006_directory_sessions': {
    async up(db: Kysely<unknown>) {
      // Cloud directories: whether the employee's sign-in sessions were ended after the set ('revoked' or a code).
      await db.schema.alterTable('resets').addColumn('directory_sessions', 'text').execute();
    },
  },
  '0007_expiries': {
    async up(db: Kysely<unknown>) {
      // TEMP_PASSWORD_TTL: when each live temporary password is scrambled unless the employee changed it first.
      await db.schema
        .createTable('expiries')
        .addColumn('audit_id', 'text', (c) => c.primaryKey())
        .addColumn('due_at', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text')
        .addColumn('claim_token', 'text')
        .addColumn('directory_kind', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('login', 'text', (c) => c.notNull())
        .addColumn('marker', 'text', (c) => c.notNull())
        .addColumn('admin_user_id', 'text', (c) => c.notNull())
        .addColumn('employee_name', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text')
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('expiries_due').on('expiries').columns(['state', 'due_at']).execute();
    },
  },
  '0008_watch': {
    async up(db: Kysely<unknown>) {
      // The change watch: a live password is looked at on a backoff from its set (set_at) until its end (ends_at),
      // where it is scrambled if `expires` (TEMP_PASSWORD_TTL) or only no longer watched; due_at is the next look.
      // valid_until: a native end of validity written with the password (OpenLDAP pwdEndTime), removed once the
      // employee's own password is seen. Rows scheduled before this version end at their due time.
      await db.schema.alterTable('expiries').addColumn('set_at', 'text').execute();
      await db.schema.alterTable('expiries').addColumn('ends_at', 'text').execute();
      await db.schema
        .alterTable('expiries')
        .addColumn('expires', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable('expiries').addColumn('valid_until', 'text').execute();
      // A new reset looks up the bot's own latest end of validity on the account, to replace it.
      await db.schema
        .createIndex('expiries_account')
        .on('expiries')
        .columns(['directory_kind', 'account_id'])
        .execute();
      // An `unknown` send looked up at Twilio afterwards: found, not_found, ambiguous (null: not looked up yet).
      await db.schema.alterTable('resets').addColumn('sms_lookup', 'text').execute();
    },
  },
  '0009_employee_notice': {
    async up(db: Kysely<unknown>) {
      // NOTIFY_EMPLOYEE: whether the employee was told of the reset by DM (sent, no_email, not_in_slack, …).
      await db.schema.alterTable('resets').addColumn('employee_notice', 'text').execute();
    },
  },
  '0010_verifications': {
    async up(db: Kysely<unknown>) {
      // VERIFY_EMPLOYEE: one row per attempt to verify an employee before a reset (a code read back, …), shared by
      // every replica. Only a keyed hash of a code is kept, never the code.
      await db.schema
        .createTable('verifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('view_id', 'text', (c) => c.notNull())
        .addColumn('team_id', 'text')
        .addColumn('admin_user_id', 'text', (c) => c.notNull())
        .addColumn('directory_kind', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('employee_code', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text')
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .addColumn('message_sid', 'text')
        // The employee's own approval in Slack: who may answer, and the DM asking them (to replace its buttons).
        .addColumn('employee_slack_id', 'text')
        .addColumn('dm_channel', 'text')
        .addColumn('dm_ts', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('verifications_account')
        .on('verifications')
        .columns(['directory_kind', 'account_id'])
        .execute();
      // How the employee was verified before this reset, when, and after how many failed attempts.
      await db.schema.alterTable('resets').addColumn('verification_method', 'text').execute();
      await db.schema.alterTable('resets').addColumn('verified_at', 'text').execute();
      await db.schema.alterTable('resets').addColumn('verification_failures', 'integer').execute();
    },
  },
  '0011_verifications_overdue': {
    async up(db: Kysely<unknown>) {
      // The sweep for questions and pushes whose process died before their answer or their end: pending rows by
      // expiry, without reading the whole (never pruned) table every minute.
      await db.schema
        .createIndex('verifications_pending')
        .on('verifications')
        .columns(['state', 'expires_at'])
        .execute();
    },
  },
  '0012_home_viewers': {
    async up(db: Kysely<unknown>) {
      // Who opened the App Home, so that any replica republishes it when one of that admin's resets changes.
      await db.schema
        .createTable('home_viewers')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
});

/** `where` names the database (a path, or host/name without the password), for the message. */
export async function migrate(db: Kysely<unknown>, engine: Engine, where: string): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(engine) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  const newer = /previously executed migration (\S+) is missing/.exec((error as Error | undefined)?.message ?? '');
  if (newer) {
    // A newer version migrated this database (an upgrade rolled back, or an old replica restarted after one).
    throw new Error(
      `the database at ${where} was migrated by a newer resetpw (${newer[1]}), which this version does not know: ` +
        'run the newer version, or restore the backup taken before the upgrade.',
    );
  }
  if (error || failed) {
    const step = failed ? ` (step ${failed.migrationName})` : '';
    const advice =
      engine === 'postgres'
        ? 'Is the PostgreSQL server running and reachable from here, and may this user create tables in that database (DATABASE_URL)?'
        : 'The bot needs to write there (DATABASE_URL): check the path, its permissions and free space.';
    throw new Error(
      `could not prepare the database at ${where}${step}: ${(error as Error)?.message ?? 'unknown error'}. ${advice}`,
    );
  }
}

/** The migrations this version knows, in order: a database without all of them was written by an older one. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations('sqlite'));
