import { readFileSync } from 'node:fs';
import { Attribute, Change, type Client, type Entry } from 'ldapts';
import type { LdapConfig } from '../../config/index.js';
import { lookupEmail, sameEmail } from '../../domain/email.js';
import { createPasswordGenerator, type PasswordGenerator } from '../../domain/password.js';
import { buildProfile } from '../../domain/password-policy.js';
import type {
  Directory,
  DirectoryAccount,
  DirectoryKind,
  DirectoryLookup,
  PasswordSetReceipt,
} from '../../ports/index.js';
import { createActiveDirectoryDialect } from './active-directory.js';
import { ASSERTION_FAILED, withoutAttributeOr } from './assertion.js';
import { LdapConnection } from './connection.js';
import { EMAIL_ATTRIBUTE, type LdapDialect } from './dialect.js';
import { values } from './entry.js';
import { classifyReadError, classifyWriteError, describeStartupError, StartupProblem } from './errors.js';
import { and, equals } from './filter.js';
import { formatGeneralizedTime } from './generalized-time.js';
import { createOpenLdapDialect } from './openldap.js';

/** LDAP result codes (RFC 4511) a set with an end of validity falls back on. */
const INSUFFICIENT_ACCESS = 50;
const UNAVAILABLE_CRITICAL_EXTENSION = 12;

async function mustRead(client: Client, dn: string, problem: string): Promise<void> {
  try {
    await client.search(dn, { scope: 'base', attributes: ['1.1'] });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new StartupProblem(`${problem} (${code === 32 ? 'no such entry' : `LDAP result ${String(code)}`})`);
  }
}

/** Two matches are enough to know the code is ambiguous; the count shown is what the server returned. */
const LOOKUP_SIZE_LIMIT = 10;

/**
 * The company directory over LDAP (ldapts), in the OpenLDAP or the Active Directory dialect. Every value put into
 * a filter is escaped; every DN written to comes from the server's own answer.
 */
export function createLdapDirectory(kind: DirectoryKind, config: LdapConfig): Directory {
  const dialect: LdapDialect = kind === 'ad' ? createActiveDirectoryDialect(config) : createOpenLdapDialect(config);
  let ca: Buffer | undefined;
  if (config.caFile) {
    try {
      ca = readFileSync(config.caFile);
    } catch (err) {
      throw new Error(`LDAP_CA_FILE: cannot read ${config.caFile} (${(err as { code?: string }).code ?? 'error'})`);
    }
  }
  const connection = new LdapConnection({
    url: config.url,
    startTls: config.startTls,
    ...(ca ? { ca } : {}),
    bindDn: config.bindDn,
    bindPassword: config.bindPassword,
    timeoutMs: config.timeoutMs,
  });
  // Scrambles use the strong profile at its longest common length: it satisfies AD complexity and any sane
  // minimum length, and nobody ever reads it.
  const scrambler: PasswordGenerator = createPasswordGenerator(
    buildProfile({ profile: 'strong', length: 32, groups: 4 }),
  );
  const attributes = [
    ...new Set([...dialect.accountAttributes, EMAIL_ATTRIBUTE, config.employeeAttribute, config.phoneAttribute]),
  ];

  const read = async <T>(op: (c: Client) => Promise<T>): Promise<T> => {
    try {
      return await connection.run(op);
    } catch (err) {
      throw classifyReadError(err);
    }
  };

  /** The accounts the user filter and `match` (escaped by the caller) find, kept where `exact` says so. */
  const lookup = (match: string, exact: (entry: Entry) => boolean = () => true): Promise<DirectoryLookup> =>
    read(async (client) => {
      let entries: Entry[];
      try {
        ({ searchEntries: entries } = await client.search(config.baseDn, {
          scope: 'sub',
          filter: and(config.userFilter, match),
          attributes,
          explicitBufferAttributes: [...dialect.bufferAttributes],
          sizeLimit: LOOKUP_SIZE_LIMIT,
        }));
      } catch (err) {
        // More than the size limit: certainly ambiguous.
        if ((err as { code?: unknown }).code === 4) return { found: 'many', count: LOOKUP_SIZE_LIMIT + 1 };
        throw err;
      }
      const found = entries.filter(exact);
      const [entry] = found;
      if (!entry) return { found: 'none' };
      if (found.length > 1) return { found: 'many', count: found.length };
      return { found: 'one', account: await dialect.toAccount(client, entry) };
    });

  return {
    kind,
    label: dialect.label,

    async verify() {
      try {
        await connection.probe(async (client) => {
          await mustRead(client, config.baseDn, `LDAP_BASE_DN: ${config.baseDn} cannot be read`);
          for (const group of config.protectedGroups) {
            // A typo here would silently leave the group's members unprotected.
            await mustRead(client, group, `LDAP_PROTECTED_GROUPS: ${group} cannot be read`);
          }
          await dialect.verify(client);
        });
      } catch (err) {
        throw new Error(err instanceof StartupProblem ? err.message : describeStartupError(err, config.url));
      }
    },

    findByEmployeeCode(code) {
      return lookup(equals(config.employeeAttribute, code));
    },

    async findByEmail(email) {
      const wanted = lookupEmail(email);
      // mail matches with caseIgnoreIA5Match (AD: without regard to case), which also ignores spaces the check
      // below does not: the server narrows, the bot decides.
      return lookup(equals(EMAIL_ATTRIBUTE, wanted), (entry) =>
        values(entry, EMAIL_ATTRIBUTE).some((held) => sameEmail(held, wanted)),
      );
    },

    async setTemporaryPassword(account, password, options = {}): Promise<PasswordSetReceipt> {
      const limitAttribute = dialect.validUntilAttribute;
      // Formatted before anything is written: an invalid date throws here, and nothing is set.
      const limit = limitAttribute && options.validUntil ? formatGeneralizedTime(options.validUntil) : undefined;
      let validUntil: string | undefined;
      try {
        validUntil =
          limitAttribute && limit
            ? await setWithLimit(account, password, limitAttribute, limit, options.replaces)
            : undefined;
        if (!validUntil) {
          await connection.run((client) => client.modify(account.id, dialect.setChanges(password, account.locked)));
        }
      } catch (err) {
        throw classifyWriteError(err);
      }
      // The marker is read after the write succeeded, and not awaited here: the caller sends the text meanwhile,
      // and the read starts one turn of the event loop later, once the text's request has gone out (the caller's
      // own work until then is what delays the text). Failing to read it does not undo the reset.
      const marker = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() =>
          read(async (client) => {
            const { searchEntries } = await client.search(account.id, {
              scope: 'base',
              attributes: [...dialect.markerAttributes],
            });
            return searchEntries[0] ? dialect.markerOf(searchEntries[0]) : '';
          }),
        )
        .catch(() => '');
      return { marker, unlocked: account.locked, ...(validUntil ? { validUntil } : {}) };
    },

    async scramble(accountId) {
      const password = scrambler.generate();
      try {
        await connection.run((client) => client.modify(accountId, dialect.setChanges(password, false)));
      } catch (err) {
        throw classifyWriteError(err);
      }
    },

    passwordChangedSince(accountId, marker) {
      return read(async (client) => {
        const { searchEntries } = await client.search(accountId, {
          scope: 'base',
          attributes: [...dialect.markerAttributes],
        });
        const [entry] = searchEntries;
        return entry ? dialect.changeSince(entry, marker) : { changed: false };
      });
    },

    ...(dialect.validUntilAttribute ? { clearValidUntil: clearValue(dialect.validUntilAttribute) } : {}),

    close: () => connection.close(),
  };

  /**
   * The set with the end of validity in the same modify, only if the entry has none yet or the one an earlier reset
   * of the bot's wrote (an assertion, checked by the server in the same step): any other end date is its owner's (a
   * contractor's last day), and the bot never moves, shortens or later removes one. Returns the value written, or undefined when the entry had one and
   * nothing was written (the caller then sets the password alone).
   */
  async function setWithLimit(
    account: DirectoryAccount,
    password: string,
    attribute: string,
    value: string,
    /** An earlier value of the bot's own, which may be replaced. */
    replaces: string | undefined,
  ): Promise<string | undefined> {
    const changes = [
      ...dialect.setChanges(password, account.locked),
      new Change({ operation: 'replace', modification: new Attribute({ type: attribute, values: [value] }) }),
    ];
    try {
      await connection.run((client) => client.modify(account.id, changes, withoutAttributeOr(attribute, replaces)));
      return value;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // The entry has an end of validity of its owner's: the password is set alone.
      if (code === ASSERTION_FAILED) return undefined;
      // The bot may not write the attribute (no `manage` on pwdEndTime yet: an upgrade), or the server does not
      // know the assertion control: the password is set alone, and the bot's own expiry still ends it. If it may
      // not write the password either, that set fails with its own error.
      if (code === INSUFFICIENT_ACCESS || code === UNAVAILABLE_CRITICAL_EXTENSION) return undefined;
      throw err;
    }
  }

  /**
   * Deletes exactly `value`: LDAP deletes a named value only if the entry holds it, so an end date someone else wrote
   * since stays (noSuchAttribute, like an absent one: done).
   */
  function clearValue(attribute: string) {
    return async (accountId: string, value: string): Promise<void> => {
      const change = new Change({
        operation: 'delete',
        modification: new Attribute({ type: attribute, values: [value] }),
      });
      try {
        await connection.run((client) => client.modify(accountId, change));
      } catch (err) {
        if ((err as { code?: unknown }).code === 16) return;
        throw classifyWriteError(err);
      }
    };
  }
}
