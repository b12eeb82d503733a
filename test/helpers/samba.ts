import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Attribute, Change, Client, type Entry } from 'ldapts';
import type { BindOutcome, TestDirectory, TestPersonSpec } from './test-directory.js';
import { makeTestCertificates } from './tls.js';

const run = promisify(execFile);
const SAMBA = '/usr/sbin/samba';
const SAMBA_TOOL = '/usr/bin/samba-tool';

export const AD_BASE = 'DC=example,DC=test';
export const AD_PEOPLE = `OU=People,${AD_BASE}`;
export const AD_ADMIN = { dn: `CN=Administrator,CN=Users,${AD_BASE}`, password: 'Adm1n!Secret-42' };
export const AD_BOT = { dn: `CN=resetbot,OU=Services,${AD_BASE}`, password: 'Bot-Secret-12345!' };
export const AD_PLAIN_BOT = { dn: `CN=plainbot,OU=Services,${AD_BASE}`, password: 'Plain-Secret-12345!' };
export const AD_PROTECTED_GROUP = `CN=IT Admins,OU=Groups,${AD_BASE}`;
export const AD_NESTED_GROUP = `CN=Helpdesk Leads,OU=Groups,${AD_BASE}`;

/** The schema GUIDs of the delegation the README documents (see ../shared/notes/directories.md §1.2). */
const USER_CLASS = 'bf967aba-0de6-11d0-a285-00aa003049e2';
const RESET_PASSWORD = '00299570-246d-11d0-a768-00aa006e0529';
const PWD_LAST_SET = 'bf967a0a-0de6-11d0-a285-00aa003049e2';
const LOCKOUT_TIME = '28630ebf-41d5-11d1-a9c1-0000f80367c1';

/**
 * Samba listens on the fixed ports 389 and 636, which need root; the suite is skipped locally without root or
 * the binaries, and fails under CI=true.
 */
export function requireSamba(): boolean {
  const missing = !existsSync(SAMBA) || !existsSync(SAMBA_TOOL);
  const notRoot = process.getuid?.() !== 0;
  if (!missing && !notRoot) return true;
  const message = missing
    ? 'Samba not found (Debian: apt-get install samba samba-ad-provision samba-dsdb-modules samba-vfs-modules)'
    : 'the Samba AD DC needs root for ports 389/636';
  if (process.env.CI === 'true') throw new Error(`${message}; CI=true requires it`);
  console.warn(`${message}: the Active Directory suite is skipped.`);
  return false;
}

export interface SambaDc {
  readonly ldapsUrl: string;
  readonly startTlsUrl: string;
  readonly caFile: string;
  /** The domain database and the DC's configuration, for samba-tool and Samba's Python bindings while it runs. */
  readonly sam: string;
  readonly conf: string;
  stop(): Promise<void>;
}

/**
 * A throwaway Active Directory domain controller (Samba, LDAP service only) provisioned into a temp folder, with a
 * certificate for 127.0.0.1 from a private CA, 12-character minimum passwords, lockout after 3 failures, and a
 * delegated bot account holding only Reset Password + write pwdLastSet + write lockoutTime on OU=People.
 */
export async function startSamba(): Promise<SambaDc> {
  const dir = mkdtempSync(join(tmpdir(), 'resetpw-samba-'));
  const tls = makeTestCertificates(dir);
  const target = join(dir, 'dc');
  const conf = join(target, 'etc', 'smb.conf');
  const sam = join(target, 'private', 'sam.ldb');
  await run(SAMBA_TOOL, [
    'domain',
    'provision',
    '--realm=EXAMPLE.TEST',
    '--domain=EXAMPLE',
    '--server-role=dc',
    '--dns-backend=NONE',
    `--adminpass=${AD_ADMIN.password}`,
    `--targetdir=${target}`,
    '--host-name=dc1',
    '--option=interfaces=127.0.0.1',
    '--option=bind interfaces only=yes',
    `--option=tls keyfile=${tls.keyFile}`,
    `--option=tls certfile=${tls.certFile}`,
    `--option=tls cafile=${tls.caFile}`,
  ]);
  await run(SAMBA_TOOL, [
    'domain',
    'passwordsettings',
    'set',
    '-H',
    sam,
    '--min-pwd-age=0',
    '--min-pwd-length=12',
    '--account-lockout-threshold=3',
    '--account-lockout-duration=0',
    '--reset-account-lockout-after=30',
  ]);
  mkdirSync(join(target, 'run'), { recursive: true });
  const child = spawn(
    SAMBA,
    [
      '-i',
      '-M',
      'single',
      '-s',
      conf,
      '--option=server services=ldap',
      `--option=pid directory=${join(target, 'run')}`,
      '--maximum-runtime=1800',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += String(b)));
  child.stderr?.on('data', (b: Buffer) => (output += String(b)));
  const dc: SambaDc = {
    ldapsUrl: 'ldaps://127.0.0.1:636',
    startTlsUrl: 'ldap://127.0.0.1:389',
    caFile: tls.caFile,
    sam,
    conf,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntilBinds(dc, child, () => output);
    await seed(dc, sam);
  } catch (err) {
    await dc.stop();
    throw err;
  }
  return dc;
}

async function waitUntilBinds(dc: SambaDc, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`samba exited with ${child.exitCode}:\n${output()}`);
    const c = new Client({ url: dc.ldapsUrl, connectTimeout: 1000, tlsOptions: { ca: [readFileSync(dc.caFile)] } });
    try {
      await c.bind(AD_ADMIN.dn, AD_ADMIN.password);
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`samba did not answer LDAPS within 30 s (${String(err)}):\n${output()}`);
    } finally {
      await c.unbind().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const quotedUtf16 = (password: string) => Buffer.from(`"${password}"`, 'utf16le');

async function seed(dc: SambaDc, sam: string): Promise<void> {
  const ad = new AdPeople(dc);
  await ad.asAdmin(async (c) => {
    for (const ou of ['People', 'Services', 'Groups']) {
      await c.add(`OU=${ou},${AD_BASE}`, { objectClass: ['top', 'organizationalUnit'], ou });
    }
    for (const [dn, sam_] of [
      [AD_PROTECTED_GROUP, 'it-admins'],
      [AD_NESTED_GROUP, 'helpdesk-leads'],
    ] as const) {
      await c.add(dn, { objectClass: ['top', 'group'], sAMAccountName: sam_ });
    }
    await c.modify(
      AD_PROTECTED_GROUP,
      new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [AD_NESTED_GROUP] }) }),
    );
  });
  await ad.addAccount(AD_BOT.dn, 'resetbot', AD_BOT.password, {});
  await ad.addAccount(AD_PLAIN_BOT.dn, 'plainbot', AD_PLAIN_BOT.password, {});
  const sid = await botSid(sam);
  // One call per ACE: inheritable, for user objects only, on OU=People.
  for (const ace of [
    `(OA;CIIO;CR;${RESET_PASSWORD};${USER_CLASS};${sid})`,
    `(OA;CIIO;WP;${PWD_LAST_SET};${USER_CLASS};${sid})`,
    `(OA;CIIO;WP;${LOCKOUT_TIME};${USER_CLASS};${sid})`,
  ]) {
    await run(SAMBA_TOOL, ['dsacl', 'set', '-H', sam, `--objectdn=${AD_PEOPLE}`, `--sddl=${ace}`]);
  }
}

async function botSid(sam: string): Promise<string> {
  const { stdout } = await run(SAMBA_TOOL, ['user', 'show', 'resetbot', '-H', sam, '--attributes=objectSid']);
  const sid = /objectSid: (\S+)/.exec(stdout)?.[1];
  if (!sid) throw new Error(`no SID for resetbot: ${stdout}`);
  return sid;
}

/** Schema GUIDs of attributes the bot must be able to read (for deny-read entries in tests). */
export const AD_ATTRIBUTE_GUIDS = {
  userAccountControl: 'bf967a68-0de6-11d0-a285-00aa003049e2',
  pwdLastSet: 'bf967a0a-0de6-11d0-a285-00aa003049e2',
  objectSid: 'bf9679e8-0de6-11d0-a285-00aa003049e2',
  tokenGroups: 'b7c69e6d-2cc7-11d2-854e-00a0c983f608',
  accountExpires: 'bf967915-0de6-11d0-a285-00aa003049e2',
} as const;

/** Test-side access to the DC as its Administrator, and binds as the employee would make them. */
export class AdPeople implements TestDirectory {
  readonly kind = 'ad' as const;
  readonly label = 'Active Directory';
  readonly protectedWords = /protected group/;
  readonly missingRightWords = 'Reset password';
  readonly emailOptional = true;
  readonly emailUnique = false;
  readonly keepsChangeTime = true;
  constructor(readonly dc: SambaDc) {}

  private client(url = this.dc.ldapsUrl): Client {
    return new Client({ url, tlsOptions: { ca: [readFileSync(this.dc.caFile)] } });
  }

  /** The employee's own change: the old value deleted and the new one added in one modify (a change, not a reset). */
  async changeOwnPassword(dn: string, oldPassword: string, newPassword: string): Promise<void> {
    const quoted = (p: string) => Buffer.from(`"${p}"`, 'utf16le');
    await this.asAdmin((c) =>
      c.modify(dn, [
        new Change({
          operation: 'delete',
          modification: new Attribute({ type: 'unicodePwd', values: [quoted(oldPassword)] }),
        }),
        new Change({
          operation: 'add',
          modification: new Attribute({ type: 'unicodePwd', values: [quoted(newPassword)] }),
        }),
      ]),
    );
  }

  async asAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const c = this.client();
    try {
      await c.bind(AD_ADMIN.dn, AD_ADMIN.password);
      return await fn(c);
    } finally {
      await c.unbind();
    }
  }

  botEnv(over: Record<string, string> = {}): Record<string, string> {
    return {
      DIRECTORY: 'ad',
      LDAP_URL: this.dc.ldapsUrl,
      LDAP_CA_FILE: this.dc.caFile,
      LDAP_BIND_DN: AD_BOT.dn,
      LDAP_BIND_PASSWORD: AD_BOT.password,
      LDAP_BASE_DN: AD_PEOPLE,
      LDAP_PROTECTED_GROUPS: AD_PROTECTED_GROUP,
      ...over,
    };
  }

  unprivilegedBotEnv(): Record<string, string> {
    return this.botEnv({ LDAP_BIND_DN: AD_PLAIN_BOT.dn, LDAP_BIND_PASSWORD: AD_PLAIN_BOT.password });
  }

  async addAccount(dn: string, sam: string, password: string, extra: Record<string, string>): Promise<string> {
    await this.asAdmin((c) =>
      c.add(dn, [
        new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
        new Attribute({ type: 'sAMAccountName', values: [sam] }),
        new Attribute({ type: 'unicodePwd', values: [quotedUtf16(password)] }),
        new Attribute({ type: 'userAccountControl', values: ['512'] }),
        ...Object.entries(extra).map(([type, v]) => new Attribute({ type, values: [v] })),
      ]),
    );
    return dn;
  }

  add(p: TestPersonSpec): Promise<string> {
    const name = p.name ?? `Test ${p.login}`;
    return this.addAccount(`CN=${name},${AD_PEOPLE}`, p.login, p.password, {
      displayName: name,
      employeeID: p.code,
      ...(p.email ? { mail: p.email } : {}),
      ...(p.mobile ? { mobile: p.mobile } : {}),
    });
  }

  async replace(dn: string, type: string, value: string): Promise<void> {
    await this.asAdmin((c) =>
      c.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) })),
    );
  }

  async addMember(groupDn: string, memberDn: string): Promise<void> {
    await this.asAdmin((c) =>
      c.modify(
        groupDn,
        new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn] }) }),
      ),
    );
  }

  disable(dn: string): Promise<void> {
    return this.replace(dn, 'userAccountControl', String(512 | 0x2));
  }

  setMobile(dn: string, mobile: string): Promise<void> {
    return this.replace(dn, 'mobile', mobile);
  }

  async setMobiles(dn: string, mobiles: readonly string[]): Promise<Record<string, string>> {
    await this.asAdmin((c) =>
      c.modify(
        dn,
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'otherMobile', values: [...mobiles] }),
        }),
      ),
    );
    return { LDAP_PHONE_ATTRIBUTE: 'otherMobile' };
  }

  /** A global security group (the default for objectClass group). */
  async addGroup(dn: string, sam: string): Promise<string> {
    await this.asAdmin((c) => c.add(dn, { objectClass: ['top', 'group'], sAMAccountName: sam }));
    return dn;
  }

  /**
   * Adds a SID to the account's sIDHistory, as a domain migration (or an attacker with SID-history injection)
   * leaves it. LDAP refuses that write, so it goes through Samba's own database bindings with the relax control.
   */
  async addSidHistory(dn: string, sid: string): Promise<void> {
    const script = [
      'import sys, ldb',
      'from samba.samdb import SamDB',
      'from samba.auth import system_session',
      'from samba.param import LoadParm',
      'from samba.dcerpc import security',
      'from samba.ndr import ndr_pack',
      'conf, sam, dn, sid = sys.argv[1:5]',
      'lp = LoadParm()',
      'lp.load(conf)',
      'db = SamDB(url=sam, session_info=system_session(), lp=lp)',
      'm = ldb.Message()',
      'm.dn = ldb.Dn(db, dn)',
      "m['sIDHistory'] = ldb.MessageElement(ndr_pack(security.dom_sid(sid)), ldb.FLAG_MOD_ADD, 'sIDHistory')",
      "db.modify(m, controls=['relax:0'])",
    ].join('\n');
    // Debian's own Python, which has Samba's bindings (a python3 earlier on PATH may not).
    await run('/usr/bin/python3', ['-c', script, this.dc.conf, this.dc.sam, dn, sid]);
  }

  async deleteEntry(dn: string): Promise<void> {
    await this.asAdmin((c) => c.del(dn));
  }

  /** Denies the bot's account reading one attribute of one entry, as a locked-down OU or a mistake would. */
  async denyBotRead(dn: string, attribute: keyof typeof AD_ATTRIBUTE_GUIDS): Promise<void> {
    const sid = await botSid(this.dc.sam);
    await run(SAMBA_TOOL, [
      'dsacl',
      'set',
      '-H',
      this.dc.sam,
      `--objectdn=${dn}`,
      `--sddl=(OD;;RP;${AD_ATTRIBUTE_GUIDS[attribute]};;${sid})`,
    ]);
  }

  protect(dn: string): Promise<void> {
    return this.addMember(AD_PROTECTED_GROUP, dn);
  }

  async lockOut(dn: string): Promise<void> {
    for (let i = 0; i < 3; i++) await this.bind(dn, 'wrong-password');
  }

  async bind(dn: string, password: string): Promise<BindOutcome> {
    const c = this.client();
    try {
      await c.bind(dn, password);
      return 'ok';
    } catch (err) {
      const e = err as { code?: unknown; message?: string };
      if (e.code !== 49) throw err;
      // AD refuses the bind of an account that must change its password first: data 773.
      return /\bdata 773\b/.test(e.message ?? '') ? 'must_change' : 'invalid';
    } finally {
      await c.unbind();
    }
  }

  async snapshot(dn: string): Promise<Entry & Record<string, unknown>> {
    return this.asAdmin(async (c) => {
      const { searchEntries } = await c.search(dn, {
        scope: 'base',
        attributes: ['*', 'pwdLastSet', 'lockoutTime', 'badPwdCount', 'userAccountControl', 'uSNChanged'],
      });
      const entry = searchEntries[0];
      if (!entry) throw new Error(`no entry ${dn}`);
      return entry;
    });
  }
}
