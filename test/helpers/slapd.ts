import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../fakes/http-util.js';
import { makeTestCertificates } from './tls.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/ldap');
export const SLAPD_BIN = '/usr/sbin/slapd';
export const SLAPADD_BIN = '/usr/sbin/slapadd';

export const LDAP_BASE = 'dc=example,dc=com';
export const LDAP_PEOPLE = `ou=people,${LDAP_BASE}`;
export const LDAP_ROOT = { dn: `cn=admin,${LDAP_BASE}`, password: 'Adm1n!secret' };
export const LDAP_BOT = { dn: `cn=resetbot,ou=services,${LDAP_BASE}`, password: 'Bot-Secret-123' };
export const LDAP_READONLY_BOT = { dn: `cn=readonlybot,ou=services,${LDAP_BASE}`, password: 'Read-Only-123' };
/** Reads people, but not ppolicy's state on them (pwdAccountLockedTime, pwdEndTime). */
export const LDAP_BLIND_BOT = { dn: `cn=blindbot,ou=services,${LDAP_BASE}`, password: 'Blind-Bot-123' };
/** Grants from before the native end of validity: may reset passwords, but only read pwdEndTime. */
export const LDAP_OLD_GRANT_BOT = { dn: `cn=oldgrantbot,ou=services,${LDAP_BASE}`, password: 'Old-Grant-123' };
export const LDAP_ADMINS_GROUP = `cn=it-admins,ou=groups,${LDAP_BASE}`;

export interface Slapd {
  /** ldap://127.0.0.1:<port> (StartTLS offered with the test CA's certificate). */
  readonly url: string;
  readonly caFile: string;
  stop(): Promise<void>;
}

export function slapdAvailable(): boolean {
  return existsSync(SLAPD_BIN) && existsSync(SLAPADD_BIN);
}

/** Skips when slapd is not installed, except under CI=true, where that is a failure. */
export function requireSlapd(): boolean {
  if (slapdAvailable()) return true;
  const message = 'slapd not found (Debian: apt-get install slapd ldap-utils)';
  if (process.env.CI === 'true') throw new Error(`${message}; CI=true requires it`);
  console.warn(`${message}: the OpenLDAP suites are skipped.`);
  return false;
}

/**
 * A throwaway OpenLDAP server (mdb + ppolicy) from a temp folder on a free loopback port, with its own cn=config
 * and the seed in test/fixtures/ldap. Nothing outside the temp folder is touched.
 */
export async function startSlapd(): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), 'resetpw-slapd-'));
  mkdirSync(join(dir, 'slapd.d'));
  mkdirSync(join(dir, 'data'));
  const tls = makeTestCertificates(dir);
  const config = readFileSync(join(FIXTURES, 'config.ldif.tmpl'), 'utf8').replaceAll('@DIR@', dir);
  writeFileSync(join(dir, 'config.ldif'), config);
  execFileSync(SLAPADD_BIN, ['-q', '-n0', '-F', join(dir, 'slapd.d'), '-l', join(dir, 'config.ldif')]);
  execFileSync(SLAPADD_BIN, ['-q', '-n1', '-F', join(dir, 'slapd.d'), '-l', join(FIXTURES, 'seed.ldif')]);
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    try {
      child = await spawnSlapd(dir, port);
    } catch (err) {
      // Another process may take the port between freePort() and slapd's bind.
      if (!(err as { portInUse?: boolean }).portInUse || attempt >= 5) throw err;
    }
  }
  const running = child;
  // "slapd starting" can come a moment before the listener accepts: wait until it does.
  await acceptsConnections(port);
  return {
    url: `ldap://127.0.0.1:${port}`,
    caFile: tls.caFile,
    async stop() {
      if (running.exitCode === null && running.signalCode === null) {
        const exited = new Promise((r) => running.once('exit', r));
        running.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function acceptsConnections(port: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`slapd did not accept connections on ${port} within 5 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function spawnSlapd(dir: string, port: number): Promise<ChildProcess> {
  return new Promise((resolvePromise, reject) => {
    // -d none: foreground, errors only, plus "slapd starting" once the listener is bound.
    const child = spawn(SLAPD_BIN, ['-F', join(dir, 'slapd.d'), '-h', `ldap://127.0.0.1:${port}/`, '-d', 'none'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`slapd did not start within 10 s\n${err}`));
    }, 10_000);
    child.stderr?.on('data', (b: Buffer) => {
      err += String(b);
      if (err.includes('slapd starting')) {
        clearTimeout(timer);
        resolvePromise(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`slapd exited with ${code}: ${err}`), { portInUse: /errno=98/.test(err) }));
    });
  });
}

/** The bot's DIRECTORY=ldap settings for this server: StartTLS with the test CA, the least-privileged bot account. */
export function ldapBotEnv(slapd: Slapd, over: Record<string, string> = {}): Record<string, string> {
  return {
    DIRECTORY: 'ldap',
    LDAP_URL: slapd.url,
    LDAP_STARTTLS: 'true',
    LDAP_CA_FILE: slapd.caFile,
    LDAP_BIND_DN: LDAP_BOT.dn,
    LDAP_BIND_PASSWORD: LDAP_BOT.password,
    LDAP_BASE_DN: LDAP_PEOPLE,
    LDAP_PROTECTED_GROUPS: LDAP_ADMINS_GROUP,
    // The benchmark and the demo drive the two-step form; the verification suites and the demo's verified reset
    // turn the step in between on.
    VERIFY_EMPLOYEE: 'off',
    ...over,
  };
}
