import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { composeSmsText } from '../../src/domain/sms-text.js';
import { escapeHidden, hasHiddenCharacters } from '../../src/domain/text.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';
import { parseResetForm, typedValues, type ViewStateValues } from '../../src/views/reset-form.js';
import { ACTION_IDS, BLOCK_IDS } from '../../src/views/reset-modal.js';
import { freshDatabaseUrl } from '../helpers/databases.js';

/** Issue 8, defect 3: terminal injection through the audit, and a greeting turned into a link. */
const ESC_CLEAR = '\x1b[2J';
const TITLE = '\x1b]0;owned\x07';
const RLO = '\u202e';
const US = { defaultCountry: 'US', allowedCountries: ['US'], allowlist: ['+1500555'] } as const;

const form = (fields: { name?: string; code?: string; phone?: string; reason?: string }): ViewStateValues =>
  Object.fromEntries(
    (Object.keys(fields) as (keyof typeof fields)[]).map((k) => [
      BLOCK_IDS[k],
      { [ACTION_IDS[k]]: { value: fields[k] } },
    ]),
  );

describe('hidden characters', () => {
  it.each([
    ['a terminal escape', `Jane${ESC_CLEAR}`],
    ['a title escape', `Jane${TITLE}`],
    ['NUL', 'Jane\u0000Doe'],
    ['a carriage return', 'Jane\rMallory'],
    ['a right-to-left override', `Jane ${RLO}eoD`],
    ['a zero-width joiner', 'Ja\u200dne'],
    ['a line separator', 'Jane\u2028Doe'],
  ])('refuses %s in the name with an inline error', (_label, name) => {
    const result = parseResetForm(form({ name, code: 'E-1', phone: '+15005550006' }), US);
    expect(result.ok ? '' : result.errors[BLOCK_IDS.name]).toMatch(/invisible or control characters/);
  });

  it('refuses them in the reason, but allows line breaks there', () => {
    const bad = parseResetForm(
      form({ name: 'Jane', code: 'E-1', phone: '+15005550006', reason: `INC-1${ESC_CLEAR}` }),
      US,
    );
    expect(bad.ok ? '' : bad.errors[BLOCK_IDS.reason]).toMatch(/invisible or control characters/);
    const good = parseResetForm(
      form({ name: 'Jane', code: 'E-1', phone: '+15005550006', reason: 'INC-1\nlocked out' }),
      US,
    );
    expect(good.ok).toBe(true);
  });

  it('wants a letter or digit in a code: --- is not one', () => {
    const result = parseResetForm(form({ name: 'Jane', code: '---', phone: '+15005550006' }), US);
    expect(result.ok ? '' : result.errors[BLOCK_IDS.code]).toBe('An employee code needs at least one letter or digit.');
  });

  it('records what a rejected form carried with the hidden characters written out', () => {
    expect(typedValues(form({ name: `Jane${ESC_CLEAR}${RLO}` })).name).toBe('Jane\\u{1b}[2J\\u{202e}');
    expect(hasHiddenCharacters(escapeHidden(`a${TITLE}`))).toBe(false);
  });
});

describe('the SMS greeting', () => {
  const greet = (name: string) => composeSmsText(name, 'pw', { changeAtFirstLogin: true }).split(' your')[0];
  it.each([
    ['evil.example/reset Smith', 'Hello,'],
    ['https://evil.example Doe', 'Hello,'],
    ['Jane Doe', 'Hi Jane,'],
    ['Jean-Luc Picard', 'Hi Jean-Luc,'],
    ["O'Brien", "Hi O'Brien,"],
    ['José', 'Hi Jose,'],
    ['J4ne', 'Hello,'],
  ])('greets %j as %j', (name, greeting) => {
    expect(greet(name)).toBe(greeting);
  });
});

describe('resetpw audit output', () => {
  it('escapes what a row holds, in the table and in the JSON, even for rows written before the input checks', async () => {
    const url = await freshDatabaseUrl('sqlite');
    const store = await openStore(url);
    await createAuditStore(store.db).record(
      { requestId: 'r', adminUserId: 'U1', employee: { name: `Mallory${ESC_CLEAR}${TITLE}`, code: `E${RLO}1` } },
      { result: 'invalid', errorCode: 'INVALID_FORM:employee_name' },
    );
    await store.close();
    const run = async (args: string[]) => {
      const out: string[] = [];
      await runCli(
        args,
        { DATABASE_URL: url },
        (s) => out.push(s),
        () => undefined,
      );
      return out.join('\n');
    };
    const table = await run(['audit']);
    expect(table).toContain('Mallory\\u{1b}[2J\\u{1b}]0;owned\\u{7}');
    expect(table).toContain('E\\u{202e}1');
    const json = await run(['audit', '--json']);
    expect(hasHiddenCharacters(json)).toBe(false);
    expect(JSON.parse(json)[0].employee).toEqual({ name: `Mallory${ESC_CLEAR}${TITLE}`, code: `E${RLO}1` });
  });
});

describe('resetpw audit reads only (issue 8, defect 5)', () => {
  const cli = async (url: string, args: string[] = ['audit']) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      args,
      { DATABASE_URL: url },
      (s) => out.push(s),
      (s) => err.push(s),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('reads a copy of the database without changing a byte of it', async () => {
    const url = await freshDatabaseUrl('sqlite');
    const store = await openStore(url);
    await createAuditStore(store.db).record(
      { requestId: 'r', adminUserId: 'U1', employee: { code: 'E-1042' } },
      { result: 'refused', errorCode: 'NOT_ADMIN' },
    );
    await store.close();
    const path = url.slice('sqlite:'.length);
    const copyDir = mkdtempSync(join(tmpdir(), 'resetpw-copy-'));
    const copy = join(copyDir, 'evidence.sqlite');
    copyFileSync(path, copy);
    const before = createHash('sha256').update(readFileSync(copy)).digest('hex');
    const result = await cli(`sqlite:${copy}`, ['audit', '--employee', 'e-1042']);
    expect(result).toMatchObject({ code: 0, out: expect.stringContaining('E-1042') });
    expect(createHash('sha256').update(readFileSync(copy)).digest('hex')).toBe(before);
    // SQLite's readers may leave an empty write-ahead log beside the file; never any content.
    for (const f of readdirSync(copyDir).filter((n) => n.endsWith('-wal')))
      expect(statSync(join(copyDir, f)).size).toBe(0);
  });

  it('says plainly what is wrong with a path that is not the bot database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resetpw-notdb-'));
    writeFileSync(join(dir, 'notes.txt'), 'these are my notes, not a database, and they are long enough');
    const other = new Database(join(dir, 'other.sqlite'));
    other.exec('create table t (x)');
    other.close();
    expect(await cli(`sqlite:${join(dir, 'notes.txt')}`)).toMatchObject({
      code: 1,
      err: expect.stringContaining('notes.txt is not a SQLite database'),
    });
    expect(await cli(`sqlite:${dir}`)).toMatchObject({ code: 1, err: expect.stringContaining('is not a file') });
    expect(await cli(`sqlite:${join(dir, 'other.sqlite')}`)).toMatchObject({
      code: 1,
      err: expect.stringContaining('holds no resetpw data'),
    });
    expect((await cli(`sqlite:${join(dir, 'other.sqlite')}`)).err).not.toMatch(/\n\s+at /); // no stack trace
  });
});
