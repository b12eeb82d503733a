/**
 * `npm run demo`: the whole flow with no accounts. Starts local stand-ins for Slack and Twilio, runs the real bot
 * against them in http mode (signed requests, real SDKs, real sockets), plays an admin session and prints what
 * each person would see. Part 1 has no directory (DIRECTORY=none); part 2 sets the password in a throwaway OpenLDAP
 * server when slapd is installed, and says so when it is not.
 */
import { runCli } from '../src/cli/run.js';
import { MAGIC_TO } from '../test/fakes/fake-twilio.js';
import { ADMIN, type Harness, NON_ADMIN, startHarness, waitFor } from '../test/helpers/harness.js';
import { LdapPeople } from '../test/helpers/ldap-people.js';
import { LDAP_ADMINS_GROUP, ldapBotEnv, slapdAvailable, startSlapd } from '../test/helpers/slapd.js';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const indent = (text: string, prefix = '    │ ') =>
  text
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n');
const mrkdwnToPlain = (t: string) =>
  t
    .replace(/:[a-z_]+: /g, '')
    .replace(/<!date\^\d+\^[^|]*\|([^>]+)>/g, '$1')
    .replace(/<@(\w+)>/g, '@$1')
    .replace(/\*/g, '')
    .replace(/`/g, '');

function say(who: string, what: string) {
  console.log(`\n${bold(who)} ${what}`);
}

async function latestPrivateMessage(h: Harness, count: number): Promise<string> {
  await waitFor(() => h.slack.responses.length >= count, 10_000, 'a private message from the bot');
  return mrkdwnToPlain(String(h.slack.responses[count - 1]?.body.text));
}

const JANE = 'U0JANEDOE';
const RAJ = 'U0RAJPATEL';

/** The `nth` DM the bot sent to `user` (the bot opens the IM, then posts in it). */
async function dmTo(h: Harness, user: string, nth: number): Promise<string> {
  const texts = () => {
    const opened = new Set(
      h.slack
        .callsTo('conversations.open')
        .filter((c) => c.args.users === user)
        .map(() => `D${user.slice(1)}`),
    );
    return h.slack
      .callsTo('chat.postMessage')
      .filter((c) => opened.has(String(c.args.channel)))
      .map((c) => String(c.args.text));
  };
  await waitFor(() => texts().length >= nth, 10_000, `a DM to ${user}`);
  return mrkdwnToPlain(texts()[nth - 1] ?? '');
}

async function openForm(h: Harness, user: string, opened: number) {
  const cmd = await h.driver.command(user);
  console.log(
    dim(
      `    (Slack got HTTP ${cmd.status} in ${cmd.ackMs.toFixed(0)} ms with an empty ack: nothing posted in the channel)`,
    ),
  );
  await waitFor(() => h.slack.callsTo('views.open').length === opened, 5000, 'the form');
}

async function main() {
  console.log(bold('resetpw demo') + dim(' — fake Slack and fake Twilio on 127.0.0.1, the real bot in between\n'));
  await textOnly();
  await withDirectory();
  console.log(dim('\nDone. Run `npm test` for the full suite, or see README.md to connect a real workspace.'));
}

async function textOnly() {
  console.log(bold('Part 1 — DIRECTORY=none') + dim(': the bot only texts a password (it sets it nowhere)'));
  const h = await startHarness({
    mode: 'http',
    env: { LOG_LEVEL: 'info', SMS_STATUS_POLL_MS: '300', AUDIT_CHANNEL_ID: 'C0ITAUDIT' },
  });
  let privateMessages = 0;
  try {
    say('Sam (not in the admin group):', 'types /resetpw in #it-helpdesk');
    await h.driver.command(NON_ADMIN);
    console.log(`  Bot → Sam, only Sam sees it:\n${indent(await latestPrivateMessage(h, ++privateMessages))}`);

    say('Alex (IT admin):', 'types /resetpw');
    await openForm(h, ADMIN, 1);
    const form = h.slack.callsTo('views.open')[0]?.args.view as {
      blocks: { block_id?: string; label?: { text: string } }[];
    };
    const labels = form.blocks.flatMap((b) => (b.label ? [b.label.text] : []));
    console.log(`  Slack opens the form "Reset a password" with fields: ${labels.join(' · ')}`);

    say('Alex:', 'fills it in with a typo in the number (415-555-01) and presses "Send password"');
    const typo = await h.driver.submit(ADMIN, { name: 'Jane Doe', code: 'E-1042', phone: '415-555-01' });
    const errors = (typo.body as { errors: Record<string, string> }).errors;
    for (const [blockId, message] of Object.entries(errors)) {
      const label = form.blocks.find((b) => b.block_id === blockId)?.label?.text ?? blockId;
      console.log(`  The form stays open; under "${label}" Slack shows: ${message}`);
    }

    say('Alex:', 'corrects it to +1 500 555 0006 and submits again');
    const ok = await h.driver.submit(ADMIN, { name: 'Jane Doe', code: 'E-1042', phone: '+1 500 555 0006' });
    console.log(`  The form changes to "Sending…" (acked in ${ok.ackMs.toFixed(0)} ms)`);
    const reply = await latestPrivateMessage(h, ++privateMessages);
    const [sms] = h.twilio.inbox('+15005550006');
    console.log(
      `\n${bold("Jane's phone")} (+1 500 555 0006) receives:\n${indent(sms?.body ?? '(nothing!)', '    ✉ ')}`,
    );
    console.log(`\n  Bot → Alex, privately:\n${indent(reply)}`);
    const delivered = await latestPrivateMessage(h, ++privateMessages);
    console.log(`\n  A moment later Twilio reports delivery. Bot → Alex, privately:\n${indent(delivered)}`);
    await waitFor(() => h.twilio.updateRequests.length === 1, 5000, 'the redaction');
    const stored = h.twilio.storedBody(sms?.sid ?? '');
    console.log(
      dim(`    (the bot then blanked the text at Twilio: Twilio's copy of the body is now ${JSON.stringify(stored)})`),
    );

    say('Alex:', 'presses submit on a second form for Jane straight away');
    await openForm(h, ADMIN, 2);
    await h.driver.submit(ADMIN, { name: 'Jane Doe', code: 'E-1042', phone: '+1 500 555 0006' });
    console.log(`  Bot → Alex, privately:\n${indent(await latestPrivateMessage(h, ++privateMessages))}`);

    say('Alex:', `resets Raj, whose number replied STOP to our sender (${MAGIC_TO.optedOut})`);
    await openForm(h, ADMIN, 3);
    await h.driver.submit(ADMIN, { name: 'Raj Patel', code: 'E-2001', phone: MAGIC_TO.optedOut });
    console.log(`  Bot → Alex, privately:\n${indent(await latestPrivateMessage(h, ++privateMessages))}`);

    console.log(`\n${bold('#it-audit')} (AUDIT_CHANNEL_ID), one message per reset, updated on delivery:`);
    await waitFor(() => h.slack.callsTo('chat.update').length === 1, 5000, 'the audit channel update');
    for (const text of h.slack.channelHistory('C0ITAUDIT')) console.log(indent(mrkdwnToPlain(text), '    # '));

    console.log(`\n${bold('npx resetpw audit')} (the trail investigators read; full numbers, never passwords):`);
    await runCli(['audit'], { DATABASE_URL: h.env.DATABASE_URL }, (t) => console.log(indent(t, '    ')), console.error);

    const password = /password is:\n(\S+)\n/.exec(sms?.body ?? '')?.[1] ?? '';
    const leaked = !password || h.slack.everythingReceived.includes(password) || h.logs.text.includes(password);
    console.log(`\n${bold('Checks')}`);
    console.log(`  SMS sent: ${h.twilio.sent.length}, Twilio requests: ${h.twilio.createRequests.length}`);
    console.log(
      `  Password in anything sent to Slack or in ${h.logs.lines.length} log lines: ${leaked ? 'YES' : 'no'}`,
    );
    if (leaked || h.twilio.sent.length !== 1) throw new Error('demo expectations failed');
  } finally {
    await h.stop();
  }
}

/** The real product: the password is set in a directory (a throwaway slapd), with a forced change at first login. */
async function withDirectory() {
  console.log(
    `\n${bold('Part 2 — DIRECTORY=ldap')}${dim(': a throwaway OpenLDAP server (slapd + ppolicy) on 127.0.0.1, StartTLS with a private CA')}`,
  );
  if (!slapdAvailable()) {
    console.log('  slapd is not installed here (Debian: apt-get install slapd ldap-utils), so this part is skipped.');
    return;
  }
  const slapd = await startSlapd();
  const people = new LdapPeople(slapd);
  const jane = await people.add({
    uid: 'jdoe',
    code: 'E-1042',
    name: 'Jane Doe',
    mobile: '+1 500 555 0006',
    email: 'jane.doe@example.com',
    password: 'Jane-Old-1',
  });
  const raj = await people.add({
    uid: 'rpatel',
    code: 'E-2001',
    name: 'Raj Patel',
    mobile: '+1 500 555 0006',
    email: 'raj.patel@example.com',
    password: 'Raj-Old-1',
  });
  const boss = await people.add({ uid: 'root-anna', code: 'E-0001', name: 'Anna Root', mobile: '+1 500 555 0006' });
  await people.addToGroup(LDAP_ADMINS_GROUP, boss);
  await people.lockOut(jane);
  console.log('  The directory holds Jane Doe (uid jdoe, employeeNumber E-1042, mobile +1 500 555 0006). She locked');
  console.log('  herself out with three wrong passwords. Anna Root (E-0001) is in cn=it-admins, a protected group.');
  console.log('  Raj Patel (E-2001) is there too. Both are members of the Slack workspace, found by their email.');
  console.log(dim('  (TEMP_PASSWORD_TTL=15s here, so that the expiry shows in seconds; the default is 24h.)'));
  const h = await startHarness({
    env: {
      ...ldapBotEnv(slapd),
      LOG_LEVEL: 'info',
      SMS_STATUS_POLL_MS: '300',
      TEMP_PASSWORD_TTL: '15s',
      VERIFY_EMPLOYEE: 'optional',
      SECURITY_CONTACT: '#it-security',
    },
  });
  h.slack.addUser(JANE, 'jane.doe@example.com', { name: 'Jane Doe' });
  h.slack.addUser(RAJ, 'raj.patel@example.com', { name: 'Raj Patel' });
  let privateMessages = 0;
  try {
    say('Alex (IT admin):', 'types /resetpw');
    await openForm(h, ADMIN, 1);
    const form = h.slack.callsTo('views.open')[0]?.args.view as { blocks: { label?: { text: string } }[] };
    console.log(`  The form asks only for: ${form.blocks.flatMap((b) => (b.label ? [b.label.text] : [])).join(' · ')}`);

    say('Alex:', 'tries E-0001 first');
    const refused = (await h.driver.submit(ADMIN, { code: 'E-0001' })).body as { errors: Record<string, string> };
    console.log(`  The form stays open; under "Employee code": ${Object.values(refused.errors).join(' ')}`);

    say('Alex:', 'types E-1042, reason INC-20931, and presses "Look up"');
    const step1 = await h.driver.submit(ADMIN, { code: 'E-1042', reason: 'INC-20931' });
    const confirm = (step1.body as { view: { blocks: { fields?: { text: string }[]; text?: { text: string } }[] } })
      .view;
    console.log(
      `  The form becomes a confirmation (acked in ${step1.ackMs.toFixed(0)} ms, the directory searched first):`,
    );
    for (const block of confirm.blocks) {
      for (const f of block.fields ?? []) console.log(indent(mrkdwnToPlain(f.text).replace('\n', ': ')));
      if (block.text) console.log(indent(mrkdwnToPlain(block.text.text)));
    }

    console.log(
      '  Below, the confirmation asks how the employee is verified: "Text a code to the number on record" or "Skip".',
    );
    say(
      'Alex:',
      'the caller says she is Jane; Alex picks "Text a code to the number on record" and presses "Continue"',
    );
    const toCode = (await h.driver.submit(ADMIN, { verifyMethod: 'code' })).body as {
      view: { blocks: { text?: { text: string } }[] };
    };
    console.log(`  The form becomes the code step:\n${indent(mrkdwnToPlain(toCode.view.blocks[0]?.text?.text ?? ''))}`);
    await waitFor(() => h.twilio.inbox('+15005550006').length === 1, 10_000, 'the code text');
    const [codeSms] = h.twilio.inbox('+15005550006');
    console.log(`\n${bold("Jane's phone")} receives:\n${indent(codeSms?.body ?? '(nothing!)', '    ✉ ')}`);
    const spoken = /code is (\d{3} \d{3})\./.exec(codeSms?.body ?? '')?.[1] ?? '';
    say('Jane:', `reads it out on the phone: "${spoken}"`);
    say('Alex:', 'first mistypes it, then types it right');
    const typo = (await h.driver.submit(ADMIN, { verifyCode: '000 000' })).body as { errors?: Record<string, string> };
    console.log(`  Under the field: ${Object.values(typo.errors ?? {}).join(' ')}`);
    await h.driver.submit(ADMIN, { verifyCode: spoken });
    const reply = await latestPrivateMessage(h, ++privateMessages);
    const sms = h.twilio.inbox('+15005550006')[1];
    console.log(`\n${bold("Jane's phone")} receives:\n${indent(sms?.body ?? '(nothing!)', '    ✉ ')}`);
    console.log(`\n  Bot → Alex, privately:\n${indent(reply)}`);
    const password = /password is:\n(\S+)\n/.exec(sms?.body ?? '')?.[1] ?? '';
    const withNew = await people.bind(jane, password);
    const withOld = await people.bind(jane, 'Jane-Old-1');
    console.log(
      `\n${bold('Jane logs in')} with the texted password: ${withNew === 'must_change' ? 'accepted, and the directory says she must choose a new password first (ppolicy changeAfterReset)' : withNew}`,
    );
    console.log(
      `  With her old password: ${withOld === 'invalid' ? 'refused' : withOld}. The lock from her three failures is gone.`,
    );

    const toJane = await dmTo(h, JANE, 1);
    console.log(`\n  Bot → Jane, by direct message (a channel someone holding her phone does not control):`);
    console.log(indent(toJane));

    say('Alex:', 'also resets Raj (E-2001), who never uses his text');
    await openForm(h, ADMIN, 2);
    await h.driver.submit(ADMIN, { code: 'E-2001', reason: 'INC-20932' });
    console.log('  (Raj is at Alex’s desk: Alex picks "Skip: I have verified the employee another way".)');
    await h.driver.submit(ADMIN, { verifyMethod: 'skip' });
    await latestPrivateMessage(h, ++privateMessages);
    const rajPassword = /password is:\n(\S+)\n/.exec(h.twilio.inbox('+15005550006')[2]?.body ?? '')?.[1] ?? '';

    say('Jane:', 'signs in with the texted password and chooses her own, as the directory asks');
    await people.changeOwnPassword(jane, password, 'Jane-Own-Choice-77');
    console.log(
      dim('    (the bot looks for her change on a backoff: 1, 2, 5, 10, 30 minutes, then hourly, and at the end)'),
    );
    const adminDms = (): string[] =>
      h.slack
        .callsTo('chat.postMessage')
        .map((c) => String(c.args.text))
        .filter((t) => /Password changed|Temporary password expired/.test(t));
    await waitFor(() => adminDms().length >= 2, 30_000, 'the change and the expiry');
    for (const text of adminDms()) console.log(`\n  Bot → Alex, by direct message:\n${indent(mrkdwnToPlain(text))}`);
    const rajNow = await people.bind(raj, rajPassword);
    const janeNow = await people.bind(jane, 'Jane-Own-Choice-77');
    console.log(
      `\n${bold('After the TTL')}: Raj's texted password is ${rajNow === 'invalid' ? 'refused (randomised by the bot)' : rajNow}; Jane's own password ${janeNow === 'ok' ? 'works, untouched' : janeNow}.`,
    );

    console.log(`\n${bold('npx resetpw audit')}:`);
    await runCli(['audit'], { DATABASE_URL: h.env.DATABASE_URL }, (t) => console.log(indent(t, '    ')), console.error);
    const leaked =
      !password ||
      [password, rajPassword].some((p) => h.slack.everythingReceived.includes(p) || h.logs.text.includes(p)) ||
      // The verification code too, as six digits that are not part of a longer number (timestamps).
      [h.slack.everythingReceived, h.logs.text].some((t) =>
        new RegExp(`(?<!\\d)${spoken.replace(' ', '')}(?!\\d)`).test(t),
      );
    console.log(`\n${bold('Checks')}`);
    console.log(
      `  Password or code in anything sent to Slack or in ${h.logs.lines.length} log lines: ${leaked ? 'YES' : 'no'}`,
    );
    if (leaked || withNew !== 'must_change' || withOld !== 'invalid' || rajNow !== 'invalid' || janeNow !== 'ok') {
      throw new Error('demo expectations failed');
    }
  } finally {
    await h.stop();
    await slapd.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`demo failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
