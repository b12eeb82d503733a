/**
 * The benchmarks' side of the local Slack and Twilio (bench/stand-ins-process.ts): starts that process and asks it
 * questions over IPC. A bench that served the bots' API calls from its own event loop would time itself: every
 * views.open answered there delays the next ack it reads. Between measurements only; nothing here is timed.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { FakeSlack } from '../test/fakes/fake-slack.js';
import type { FakeTwilio } from '../test/fakes/fake-twilio.js';
import { testEnv } from '../test/helpers/harness.js';
import { root } from './processes.js';
import type { Condition, Counts, Request } from './stand-ins-process.js';

export type { Condition, Counts } from './stand-ins-process.js';

/** Now, in epoch milliseconds with sub-millisecond precision: the clock the stand-ins stamp arrivals with. */
export const epochNow = () => performance.timeOrigin + performance.now();

export class StandIns {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly urls: { slackApiUrl: string; slackUrl: string; twilioUrl: string },
  ) {
    child.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.ok) w?.resolve(m.value);
      else w?.reject(new Error(m.error));
    });
  }

  static start(): Promise<StandIns> {
    const child = fork(join(root, 'bench/stand-ins-process.ts'), [], {
      cwd: root,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the stand-ins exited with ${code}`)));
      child.once('message', (m: { ready: StandIns['urls'] }) => resolve(new StandIns(child, m.ready)));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The bot's environment pointed at these stand-ins (testEnv reads only the URLs of the fakes). */
  env(mode: 'http' | 'socket' = 'http'): Record<string, string | undefined> {
    const slack = { apiUrl: this.urls.slackApiUrl } as FakeSlack;
    const twilio = { url: this.urls.twilioUrl } as FakeTwilio;
    return testEnv(slack, twilio, mode);
  }

  private ask<T>(request: Request): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, request });
    });
  }

  setGroup(group: string, members: string[]): Promise<void> {
    return this.ask({ op: 'setGroup', group, members });
  }
  /** Added to every answer of Slack's Web API and of Twilio. */
  latency(ms: number): Promise<void> {
    return this.ask({ op: 'latency', ms });
  }
  /** A fresh trigger_id for each user, issued now (Slack gives 3 s to use it). */
  triggers(users: string[]): Promise<string[]> {
    return this.ask({ op: 'triggers', users });
  }
  async trigger(user: string): Promise<string> {
    return (await this.triggers([user]))[0] ?? '';
  }
  responseUrls(n: number): Promise<string[]> {
    return this.ask({ op: 'responseUrls', n });
  }
  async responseUrl(): Promise<string> {
    return (await this.responseUrls(1))[0] ?? '';
  }
  counts(): Promise<Counts> {
    return this.ask({ op: 'counts' });
  }
  /** Resolves with whether the condition was met within the time, and the counts then. */
  waitFor(condition: Condition, timeoutMs = 5000): Promise<{ met: boolean; counts: Counts }> {
    return this.ask({ op: 'waitFor', condition, timeoutMs });
  }
  async mustWaitFor(condition: Condition, timeoutMs = 5000): Promise<Counts> {
    const r = await this.waitFor(condition, timeoutMs);
    if (!r.met) throw new Error(`timed out waiting for ${JSON.stringify(condition)} (${JSON.stringify(r.counts)})`);
    return r.counts;
  }
  /** Resolves once everything asked of the stand-ins has been answered and nothing new came for `ms`. */
  async quiet(ms: number): Promise<void> {
    let last = -1;
    for (;;) {
      const { counts } = await this.waitFor({ quiet: true }, 30_000);
      const now = counts.calls + counts.responses + counts.twilioRequests;
      if (now === last) return;
      last = now;
      await new Promise((r) => setTimeout(r, ms));
    }
  }
  /** The modal most recently opened for the user, as Slack holds it. */
  lastView(user: string): Promise<{ id: string; view: Record<string, unknown> } | undefined> {
    return this.ask({ op: 'lastView', user });
  }
  /** How many of these trigger_ids opened a form. */
  triggersUsed(ids: string[]): Promise<number> {
    return this.ask({ op: 'triggersUsed', ids });
  }
  /** When the index-th Twilio message creation arrived (epoch ms), if it has. */
  createAt(index: number): Promise<number | undefined> {
    return this.ask({ op: 'createAt', index });
  }
  /** When the last call to a Slack method arrived (epoch ms), if one has. */
  lastCallAt(method: string): Promise<number | undefined> {
    return this.ask({ op: 'lastCallAt', method });
  }
  async stop(): Promise<void> {
    if (!this.child.connected) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.ask({ op: 'stop' }).catch(() => undefined);
    await exited;
  }
  kill(): void {
    this.child.kill('SIGKILL');
  }
}
