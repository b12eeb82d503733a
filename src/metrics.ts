import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { asAppError } from './errors.js';
import type {
  AdminDirectory,
  AuditEntry,
  AuditOutcome,
  AuditStore,
  Directory,
  EmployeeNoticeResult,
  FactorPushOptions,
  SmsSender,
} from './ports/index.js';

/**
 * Prometheus metrics on `/metrics`. Every label takes its values from a bounded set (outcomes, error codes, limit
 * names, provider statuses, operation names): never a user id, an employee code or a number. One registry per bot,
 * built by the composition root; adapters are measured by wrapping them, so they stay free of metrics code.
 */
/** Outcomes of requests stopped before anything was sent; each leaves an audit row, where they are counted. */
const STOPPED: ReadonlySet<string> = new Set(['refused', 'invalid', 'rate_limited']);

export function createMetrics(options: { inFlight: () => number }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

  const resets = new Counter({
    name: 'resetpw_resets_total',
    help: 'Reset requests by final outcome (sent, failed, unknown; refused, invalid, rate_limited at whichever step).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'resetpw_refusals_total',
    help: 'Requests refused or rejected, by reason (an error code).',
    labelNames: ['reason'],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'resetpw_rate_limited_total',
    help: 'Resets refused by a rate limit, by limit.',
    labelNames: ['limit'],
    registers: [registry],
  });
  const smsFinal = new Counter({
    name: 'resetpw_sms_final_total',
    help: 'Texts by final delivery status (delivered, undelivered, no_report).',
    labelNames: ['status'],
    registers: [registry],
  });
  const scrambles = new Counter({
    name: 'resetpw_scrambles_total',
    help: 'Passwords replaced by a random one because they did not reach the employee, by result.',
    labelNames: ['result'],
    registers: [registry],
  });
  const employeeNotices = new Counter({
    name: 'resetpw_employee_notices_total',
    help: 'Employees told of a reset by DM, by result (sent, no_email, not_in_slack, missing_scope, failed, off).',
    labelNames: ['result'],
    registers: [registry],
  });
  const verifications = new Counter({
    name: 'resetpw_verifications_total',
    help: 'Employee verifications before a reset, by method (code, skipped) and result (sent, passed, wrong, locked, expired, not_sent, skipped).',
    labelNames: ['method', 'result'],
    registers: [registry],
  });
  const directoryOps = new Histogram({
    name: 'resetpw_directory_operation_seconds',
    help: 'Company directory operations, by directory kind, operation and result (ok or an error code).',
    labelNames: ['kind', 'operation', 'result'],
    buckets: seconds,
    registers: [registry],
  });
  const adminChecks = new Histogram({
    name: 'resetpw_admin_check_seconds',
    help: 'Slack admin-group checks, by whether they skipped the cache and their result.',
    labelNames: ['fresh', 'result'],
    buckets: seconds,
    registers: [registry],
  });
  const smsSends = new Histogram({
    name: 'resetpw_sms_send_seconds',
    help: 'Twilio message creations, by result (ok or an error code).',
    labelNames: ['result'],
    buckets: seconds,
    registers: [registry],
  });
  const acks = new Histogram({
    name: 'resetpw_slack_ack_seconds',
    help: 'Time from a Slack request arriving to its answer, by HTTP status (socket in Socket Mode).',
    labelNames: ['status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3],
    registers: [registry],
  });
  new Gauge({
    name: 'resetpw_resets_in_flight',
    help: 'Resets under way now (between the submission and the admin being told).',
    registers: [registry],
    collect() {
      this.set(options.inFlight());
    },
  });

  const resultOf = (err: unknown) => asAppError(err).code;
  async function timed<T>(histogram: Histogram<string>, labels: Record<string, string>, work: () => Promise<T>) {
    const end = histogram.startTimer(labels);
    try {
      const value = await work();
      end({ result: 'ok' });
      return value;
    } catch (err) {
      end({ result: resultOf(err) });
      throw err;
    }
  }

  return {
    registry,
    /** A reset that ran: sent, failed or unknown. Its refusals are counted where they are recorded (below). */
    resetOutcome(outcome: string): void {
      if (STOPPED.has(outcome)) return;
      resets.inc({ outcome });
    },
    /**
     * Counts refusals where they are recorded: every refused, invalid or rate-limited request leaves an audit row,
     * whichever listener or use case stopped it. The reason is the code before any `:` detail.
     */
    audit(audit: AuditStore): AuditStore {
      const count = (outcome: AuditOutcome, times = 1) => {
        if (!STOPPED.has(outcome.result)) return;
        const [reason = 'unknown', detail] = (outcome.errorCode ?? 'unknown').split(':');
        // The same request's word in both families: one per refusal, whether the command, a form step or the
        // reset itself stopped it.
        resets.inc({ outcome: outcome.result }, times);
        refusals.inc({ reason }, times);
        if (outcome.result === 'rate_limited' && detail) rateLimited.inc({ limit: detail }, times);
      };
      return new Proxy(audit, {
        get(target, prop, receiver) {
          if (prop === 'record') {
            return async (entry: AuditEntry, outcome: AuditOutcome) => {
              await target.record(entry, outcome);
              count(outcome);
            };
          }
          if (prop === 'recordRefusal') {
            return async (entry: AuditEntry, outcome: AuditOutcome, since: Date) => {
              const recorded = await target.recordRefusal(entry, outcome, since);
              count(outcome);
              return recorded;
            };
          }
          return Reflect.get(target, prop, receiver);
        },
      });
    },
    smsFinal(status: 'delivered' | 'undelivered' | 'no_report'): void {
      smsFinal.inc({ status });
    },
    scramble(result: string): void {
      scrambles.inc({ result });
    },
    employeeNotice(result: EmployeeNoticeResult): void {
      employeeNotices.inc({ result });
    },
    verification(method: string, result: string): void {
      verifications.inc({ method, result });
    },
    ack(status: number | 'socket', secondsTaken: number): void {
      acks.observe({ status: String(status) }, secondsTaken);
    },
    directory(directory: Directory): Directory {
      const kind = directory.kind;
      const op = <T>(operation: string, work: () => Promise<T>) => timed(directoryOps, { kind, operation }, work);
      const revoke = directory.revokeSessions?.bind(directory);
      const clearValidUntil = directory.clearValidUntil?.bind(directory);
      const push = directory.pushToEnrolledFactor?.bind(directory);
      /** The employee's answer or its absence is an outcome ('ok'); a wait the caller gave up on is 'aborted'. */
      const factorPush = async (
        run: NonNullable<Directory['pushToEnrolledFactor']>,
        accountId: string,
        options: FactorPushOptions,
      ) => {
        const end = directoryOps.startTimer({ kind, operation: 'factor_push' });
        try {
          const outcome = await run(accountId, options);
          end({ result: 'ok' });
          return outcome;
        } catch (err) {
          end({ result: options.signal?.aborted ? 'aborted' : resultOf(err) });
          throw err;
        }
      };
      return {
        kind,
        label: directory.label,
        verify: () => op('verify', () => directory.verify()),
        findByEmployeeCode: (code) => op('lookup', () => directory.findByEmployeeCode(code)),
        findByEmail: (email) => op('lookup_by_email', () => directory.findByEmail(email)),
        setTemporaryPassword: (account, password, options) =>
          op('set_password', () => directory.setTemporaryPassword(account, password, options)),
        scramble: (accountId) => op('scramble', () => directory.scramble(accountId)),
        passwordChangedSince: (accountId, marker) =>
          op('changed_since', () => directory.passwordChangedSince(accountId, marker)),
        ...(revoke ? { revokeSessions: (accountId: string) => op('revoke_sessions', () => revoke(accountId)) } : {}),
        ...(clearValidUntil
          ? {
              clearValidUntil: (accountId: string, value: string) =>
                op('clear_valid_until', () => clearValidUntil(accountId, value)),
            }
          : {}),
        ...(push
          ? {
              pushToEnrolledFactor: (accountId: string, options: FactorPushOptions) =>
                factorPush(push, accountId, options),
            }
          : {}),
        close: () => directory.close(),
      };
    },
    admins(admins: AdminDirectory): AdminDirectory {
      return {
        isAdmin: (userId, opts) =>
          timed(adminChecks, { fresh: String(opts?.fresh === true) }, () => admins.isAdmin(userId, opts)),
      };
    },
    sms(sms: SmsSender): SmsSender {
      return {
        send: (message) => timed(smsSends, {}, () => sms.send(message)),
        fetchStatus: (sid) => sms.fetchStatus(sid),
        redact: (sid) => sms.redact(sid),
        findSent: (query) => sms.findSent(query),
      };
    },
    /** The `/metrics` route, in Prometheus' text format. */
    route: {
      path: '/metrics',
      method: ['GET'],
      handler: (_req: IncomingMessage, res: ServerResponse) => {
        void registry.metrics().then((text) => {
          res.writeHead(200, { 'Content-Type': registry.contentType });
          res.end(text);
        });
      },
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
