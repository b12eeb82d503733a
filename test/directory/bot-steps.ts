import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';
import { ADMIN, type Harness, waitFor } from '../helpers/harness.js';

/**
 * The two-step form as an admin drives it through the real bot, and what the suites read back: shared by the
 * directory suites (OpenLDAP, Active Directory, their edge cases).
 */

/** `/resetpw`, then the employee code in the first step; the lookup step's ack. */
export async function lookup(harness: Harness, code: string, options: { reason?: string } = {}) {
  const opened = harness.slack.callsTo('views.open').length;
  await harness.driver.command(ADMIN);
  await waitFor(() => harness.slack.callsTo('views.open').length === opened + 1, 5000, 'the form');
  return harness.driver.submit(ADMIN, { code, reason: options.reason ?? 'INC-1' });
}

/** The confirmation step, submitted as shown. */
export const confirm = (harness: Harness) => harness.driver.submit(ADMIN, {});

/** Confirms, and waits for the private message with the outcome (the n-th one, counting from 1). */
export async function confirmAndWait(harness: Harness, nth = harness.slack.responses.length + 1): Promise<string> {
  await confirm(harness);
  await waitFor(() => harness.slack.responses.length >= nth, 10_000, 'the outcome');
  return String(harness.slack.responses[nth - 1]?.body.text);
}

export const textedPassword = (harness: Harness, index = 0) =>
  /password is:\n(\S+)\n/.exec(harness.twilio.createRequests[index]?.params.Body ?? '')?.[1] ?? '';

export const privateMessages = (harness: Harness) => harness.slack.responses.map((r) => String(r.body.text));

export async function auditRows(harness: Harness) {
  const store = await openStore(String(harness.env.DATABASE_URL));
  try {
    return await createAuditStore(store.db).list({ limit: 50 });
  } finally {
    await store.close();
  }
}
