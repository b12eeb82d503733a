import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'ldapts';

export interface LdapConnectionOptions {
  readonly url: string;
  readonly startTls: boolean;
  /** The private CA's PEM (LDAP_CA_FILE); the system's CAs otherwise. */
  readonly ca?: Buffer;
  readonly bindDn: string;
  readonly bindPassword: string;
  readonly timeoutMs: number;
}

/** Opening the connection failed (connect, TLS or bind): nothing was sent to the directory. */
export class LdapConnectError extends Error {
  constructor(
    readonly stage: 'connect' | 'starttls' | 'bind',
    readonly cause: unknown,
  ) {
    super(`LDAP ${stage} failed`);
    this.name = 'LdapConnectError';
  }
}

/**
 * One bound connection, shared by every operation and reopened when it is lost: a TLS handshake and a bind cost
 * ~15 ms per operation against Samba, a search on an open connection ~1.5 ms. Operations run concurrently on it
 * (LDAP matches answers to requests by message id).
 */
export class LdapConnection {
  private current: Promise<Client> | undefined;
  private closed = false;

  constructor(private readonly options: LdapConnectionOptions) {}

  /** Runs `op` on a bound connection. A failure that is not the server's answer drops the connection. */
  async run<T>(op: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.client();
    try {
      return await op(client);
    } catch (err) {
      if (!isServerAnswer(err)) this.drop(client);
      throw err;
    }
  }

  /** Opens a new connection and binds, closing it again: the start-up check, with nothing shared. */
  async probe<T>(op: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.open();
    try {
      return await op(client);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.current;
    this.current = undefined;
    const client = await pending?.catch(() => undefined);
    await client?.unbind().catch(() => undefined);
  }

  private async client(): Promise<Client> {
    if (this.closed) throw new LdapConnectError('connect', new Error('connection closed by shutdown'));
    const pending = this.current;
    if (pending) {
      const client = await pending.catch(() => undefined);
      // A server that closed an idle connection leaves an unbound client behind: never reuse that one.
      if (client?.isConnected && client.isBound) return client;
      if (this.current === pending) this.current = undefined;
      if (client) this.drop(client);
    }
    this.current ??= this.open();
    return this.current;
  }

  private drop(client: Client): void {
    void this.current?.then(
      (c) => {
        if (c === client) this.current = undefined;
      },
      () => undefined,
    );
    void client.unbind().catch(() => undefined);
  }

  private async open(): Promise<Client> {
    const { url, startTls, bindDn, bindPassword, timeoutMs } = this.options;
    const tls = this.tlsOptions();
    // ldapts treats any tlsOptions as "TLS from the first byte", so they go to the constructor for ldaps:// only.
    const ldaps = url.toLowerCase().startsWith('ldaps://');
    const client = new Client({
      url,
      timeout: timeoutMs,
      connectTimeout: timeoutMs,
      ...(ldaps ? { tlsOptions: tls } : {}),
    });
    let stage: LdapConnectError['stage'] = 'connect';
    try {
      if (startTls) {
        stage = 'starttls';
        // A fresh object: ldapts adds the socket to the options it is given.
        await client.startTLS({ ...tls });
      }
      stage = 'bind';
      await client.bind(bindDn, bindPassword);
      return client;
    } catch (err) {
      // A failed bind leaves the socket open (and the process alive) until unbind.
      await client.unbind().catch(() => undefined);
      // ldapts connects lazily, inside startTLS or bind: a failure to connect shows up in either.
      const lostBeforeAnswer = stage === 'bind' && !isServerAnswer(err);
      throw new LdapConnectError(isConnectFailure(err) || lostBeforeAnswer ? 'connect' : stage, err);
    }
  }

  private tlsOptions(): ConnectionOptions {
    const host = new URL(this.options.url).hostname.replace(/^\[|\]$/g, '');
    return {
      ...(this.options.ca ? { ca: [this.options.ca] } : {}),
      // StartTLS upgrades an existing socket, so Node must be told which host the certificate has to name.
      host,
      ...(isIP(host) ? {} : { servername: host }),
      minVersion: 'TLSv1.2',
    };
  }
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

function isConnectFailure(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return (typeof e?.code === 'string' && CONNECT_CODES.has(e.code)) || e?.message === 'Connection timeout';
}

/** The server answered with a result code (the connection itself is fine). */
export function isServerAnswer(err: unknown): boolean {
  return typeof (err as { code?: unknown })?.code === 'number';
}
