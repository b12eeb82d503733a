import { readFileSync, type Stats, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Who this process is, as far as file permissions go. */
export interface Identity {
  readonly uid: number;
  readonly gids: readonly number[];
}

export function currentIdentity(): Identity | undefined {
  if (typeof process.getuid !== 'function') return undefined; // Windows: no POSIX owners to talk about
  return { uid: process.getuid(), gids: [...new Set([process.getgid?.() ?? -1, ...(process.getgroups?.() ?? [])])] };
}

/** POSIX write (and, for a folder, search) permission as the kernel decides it, ACLs aside. */
export function mayWrite(st: Pick<Stats, 'uid' | 'gid' | 'mode' | 'isDirectory'>, who: Identity): boolean {
  if (who.uid === 0) return true;
  const need = st.isDirectory() ? 0o3 : 0o2; // a folder is written through: it needs x as well as w
  const bits =
    st.uid === who.uid ? (st.mode >> 6) & 0o7 : who.gids.includes(st.gid) ? (st.mode >> 3) & 0o7 : st.mode & 0o7;
  return (bits & need) === need;
}

/** A user name from /etc/passwd, for a message; undefined when there is none (a container's host uid). */
function userName(uid: number): string | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (id === String(uid) && name) return name;
    }
  } catch {
    // no passwd file: the number alone
  }
  return undefined;
}

const named = (uid: number, name = userName(uid)) => (name ? `uid ${uid} (${name})` : `uid ${uid}`);

/**
 * Why this process cannot create or write the SQLite database at `path`, in words that say who it runs as, who
 * owns what, and what to chown; undefined when the permissions are not the reason (or cannot be told). SQLite in
 * WAL mode writes two files beside the database, so the folder must be writable, not only the file.
 */
export function describeWriteProblem(path: string, who = currentIdentity()): string | undefined {
  if (!who) return undefined;
  const file = resolve(path);
  const self = named(who.uid);
  let folder = dirname(file);
  let folderStat: Stats | undefined;
  // The nearest folder that exists: the bot would create the missing ones below it.
  for (;;) {
    try {
      folderStat = statSync(folder);
      break;
    } catch {
      const up = dirname(folder);
      if (up === folder) return undefined;
      folder = up;
    }
  }
  const fix = (what: string) =>
    `give it to the bot's user (chown -R ${who.uid}:${who.gids[0] ?? who.uid} ${what}); in a container, chown the host folder mounted there the same way, or use a named volume`;
  if (!mayWrite(folderStat, who)) {
    return `the bot runs as ${self} and cannot write the folder ${folder}, which belongs to ${named(folderStat.uid)} (mode ${modeOf(folderStat)}): ${fix(folder)}`;
  }
  let fileStat: Stats | undefined;
  try {
    fileStat = statSync(file);
  } catch {
    return undefined; // the folder is writable and the file does not exist yet: something else failed
  }
  if (!mayWrite(fileStat, who)) {
    return `the bot runs as ${self} and cannot write ${file}, which belongs to ${named(fileStat.uid)} (mode ${modeOf(fileStat)}): ${fix(folder)}`;
  }
  return undefined;
}

const modeOf = (st: Stats) => (st.mode & 0o7777).toString(8).padStart(3, '0');
