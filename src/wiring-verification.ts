import { hkdfSync } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import { createSlackEmployeeApprovals } from './adapters/slack-employee-approvals.js';
import { createSlackVerificationAlerts } from './adapters/slack-verification-alerts.js';
import type { Config } from './config/index.js';
import { createOverdueNotice } from './listeners/views/approval-step.js';
import type { VerificationDeps } from './listeners/views/step-deps.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Directory, SmsSender } from './ports/index.js';
import { createApproval } from './services/approval.js';
import { createFactorVerification } from './services/factor.js';
import { createVerification } from './services/verification.js';
import type { Storage } from './storage.js';
import type { OfferedMethod } from './views/verification-modal.js';

/**
 * Part of the composition root (src/wiring.ts calls it): verifying the employee before the reset (VERIFY_EMPLOYEE),
 * with a directory only. What the reset gate needs (a verification used once; the lock), what the modal's listeners
 * need (the methods offered and their services), and a stop for what they keep in the process.
 */
export function wireVerification(c: {
  readonly config: Config;
  readonly log: Logger;
  readonly store: Storage;
  readonly directory: Directory;
  readonly sms: SmsSender;
  readonly client: webApi.WebClient;
  readonly metrics: Metrics;
}) {
  const { config, log, store, directory, sms, client, metrics } = c;
  // VERIFY_EMPLOYEE: only with a directory (the number on record); the code's hash key is derived from the Twilio
  // secret every replica shares, so a code texted by one replica is checked by any other.
  const verificationAlerts = createSlackVerificationAlerts({
    client: client,
    ...(config.auditChannelId ? { auditChannelId: config.auditChannelId } : {}),
    ...(config.employeeNotice.securityContact ? { securityContact: config.employeeNotice.securityContact } : {}),
    log,
  });
  const verification = createVerification({
    store: store.verifications,
    sms,
    limits: store.limits,
    alerts: verificationAlerts,
    key: verificationKey(config),
    codeTtlMs: config.verification.codeTtlMs,
    lockMs: config.verification.lockMs,
    onResult: (result) => metrics.verification('code', result),
    ...(config.sms.redact ? { redact: { firstPollMs: config.sms.statusPollMs } } : {}),
    log,
  });
  // The employee's own approval in Slack: asked by DM, found by the directory's email (users:read.email, im:write).
  const approval = createApproval({
    store: store.verifications,
    approvals: createSlackEmployeeApprovals(client),
    alerts: verificationAlerts,
    ttlMs: config.verification.approvalTtlMs,
    lockMs: config.verification.lockMs,
    onResult: (result) => metrics.verification('slack_approval', result),
    log,
  });
  // The directory's own factor (an Okta Verify push), offered where the directory has one.
  const factor = directory.pushToEnrolledFactor
    ? createFactorVerification({
        store: store.verifications,
        directory,
        alerts: verificationAlerts,
        ttlMs: config.verification.approvalTtlMs,
        lockMs: config.verification.lockMs,
        onResult: (result) => metrics.verification('directory_factor', result),
      })
    : undefined;
  const offered: OfferedMethod[] = [
    'code',
    'slack_approval',
    ...(factor ? (['directory_factor'] as const) : []),
    ...(config.verification.mode === 'required' ? [] : (['skip'] as const)),
  ];
  const listeners: VerificationDeps = {
    offered,
    service: verification,
    codeTtlMs: config.verification.codeTtlMs,
    directoryKind: directory.kind,
    approval: {
      service: approval,
      ttlMs: config.verification.approvalTtlMs,
      findEmail: async (code: string) => {
        const found = await directory.findByEmployeeCode(code);
        return found.found === 'one' ? found.account.email : undefined;
      },
    },
    ...(factor ? { factor: { service: factor, ttlMs: config.verification.approvalTtlMs } } : {}),
  };
  // Questions and pushes whose process ended before they ran out: ended by the sweep, on any replica, and the
  // admin's modal told (it would otherwise wait on "Waiting for the employee" for ever).
  const overdueNotice = createOverdueNotice({ forms: store.forms, client, ttlMs: config.verification.approvalTtlMs });
  return {
    gate: {
      required: config.verification.mode === 'required',
      consume: verification.consume,
      lockedUntil: (accountId: string) => verification.lockedUntil(directory.kind, accountId),
    },
    listeners,
    /** Each kind on its own: one whose store read fails does not keep the other from its round. */
    async sweep(): Promise<void> {
      const failed = (err: unknown) => log.error({ err }, 'could not end the overdue questions or pushes');
      await Promise.all([
        approval.expireOverdue(overdueNotice, log).catch(failed),
        factor?.expireOverdue(overdueNotice, log).catch(failed),
      ]);
    },
    stop(): void {
      verification.stop();
      approval.stop();
      factor?.stop();
    },
  };
}

/** The key of the verification codes' hashes: HKDF over the Twilio secret, which every replica has. */
function verificationKey(config: Config): Buffer {
  const { auth } = config.twilio;
  const secret = auth.kind === 'apiKey' ? auth.apiSecret : auth.authToken;
  return Buffer.from(hkdfSync('sha256', secret, config.twilio.accountSid, 'resetpw verification code v1', 32));
}
