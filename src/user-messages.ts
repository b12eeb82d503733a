import { type DirectoryMessageContext, directoryMessage } from './directory-messages.js';
import { type AppError, ErrorCode } from './errors.js';
import type { RateLimitName } from './ports/index.js';

const RATE_LIMIT_LABELS: Readonly<Record<RateLimitName, string>> = {
  employee_10m: 'reset(s) of this employee per 10 minutes',
  employee_day: 'reset(s) of this employee per day',
  phone_day: 'text(s) to this number per day',
  admin_hour: 'reset(s) by one admin per hour',
  workspace_day: 'reset(s) in this workspace per day',
};

const plural = (label: string, n: number) => label.replace(/\(s\)/, n === 1 ? '' : 's');

/** `RATE_LIMITED:employee_10m` (the audit's code) as words, for surfaces people read. */
export function describeAuditCode(code: string): string {
  const [head, limit] = code.split(':');
  if (head === 'RATE_LIMITED' && limit && limit in RATE_LIMIT_LABELS) {
    return `limit reached: ${plural(RATE_LIMIT_LABELS[limit as RateLimitName], 2)}`;
  }
  return code;
}

/** A time every reader sees in their own time zone (Slack renders the token), with a UTC fallback. */
export function slackTime(epochSeconds: number): string {
  const fallback = `${new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.ceil(epochSeconds)}^{date_short_pretty} at {time}|${fallback}>`;
}

/** What an admin reads: what happened, in plain words, and what to do next. */
export interface UserMessage {
  readonly title: string;
  readonly text: string;
  readonly nextStep: string;
}

export interface MessageContext extends DirectoryMessageContext {
  readonly adminGroup?: string;
}

/** The one place where error codes become words. Logs keep the detail; this keeps the admin moving. */
export function toUserMessage(err: AppError, ctx: MessageContext = {}): UserMessage {
  const d = err.details;
  const twilioCode = typeof d.twilioCode === 'number' ? ` (Twilio error ${d.twilioCode})` : '';
  const fromDirectory = directoryMessage(err, ctx);
  if (fromDirectory) return fromDirectory;
  switch (err.code) {
    case ErrorCode.NotAdmin:
      return {
        title: 'Not allowed',
        text: `Only members of ${ctx.adminGroup ? `the admin user group ${ctx.adminGroup}` : 'the admin user group'} can reset passwords.`,
        nextStep: 'Ask a workspace admin to add you to that group if you need this.',
      };
    case ErrorCode.AdminCheckFailed:
      return {
        title: 'Could not confirm you are an admin',
        text: `The admin check failed (${adminCheckReason(String(d.reason ?? 'unknown'))}), so nothing was done.`,
        nextStep:
          d.reason === 'no_such_subteam' || d.reason === 'plan_upgrade_required' || d.reason === 'missing_scope'
            ? 'Tell the bot owner: the configured admin group or the app scopes need fixing.'
            : 'Try again in a minute. If it keeps failing, tell the bot owner.',
      };
    case ErrorCode.TriggerExpired:
      return {
        title: 'The form took too long to open',
        text: 'Slack only lets a form open within 3 seconds of the command, and that window passed.',
        nextStep: 'Run /resetpw again.',
      };
    case ErrorCode.FormOpenFailed:
      return {
        title: 'Could not open the form',
        text: `Slack refused to open the form (${String(d.slackError ?? 'unknown error')}).`,
        nextStep: 'Run /resetpw again. If it keeps failing, tell the bot owner.',
      };
    case ErrorCode.InvalidMetadata:
      return {
        title: 'This form cannot be used',
        text:
          d.why === 'unknown_form'
            ? 'The bot has no record of opening this form (forms are good for a day), so nothing was done.'
            : d.why === 'other_user'
              ? 'This form was opened for another admin, so nothing was done.'
              : 'The form came back changed from how the bot opened it, so nothing was done.',
        nextStep: 'Close it and run /resetpw again.',
      };
    case ErrorCode.SmsAuthFailed:
      return {
        title: 'Text not sent: SMS account misconfigured',
        text: `Twilio rejected the bot's credentials${twilioCode}. No text was sent.`,
        nextStep: 'Tell the bot owner to check TWILIO_ACCOUNT_SID and the auth token or API key.',
      };
    case ErrorCode.SmsRateLimited:
      return {
        title: 'Text not sent: SMS provider busy',
        text: `Twilio is rate limiting the bot${twilioCode}. No text was sent.`,
        nextStep: 'Wait a minute and run /resetpw again.',
      };
    case ErrorCode.SmsInvalidNumber:
      return {
        title: 'Text not sent: invalid number',
        text: `Twilio says the mobile number is not valid${twilioCode}. No text was sent.`,
        nextStep: "Check the employee's number in the directory and try again.",
      };
    case ErrorCode.SmsRegionBlocked:
      return {
        title: 'Text not sent: country not enabled',
        text: `Texts to that country are not enabled for our SMS account${twilioCode}.`,
        nextStep: 'Ask the bot owner to enable the country in Twilio Geo Permissions, or use another number.',
      };
    case ErrorCode.SmsOptedOut:
      return {
        title: 'Text not sent: employee opted out',
        text: `This number has replied STOP to our sender, so texts to it are blocked${twilioCode}.`,
        nextStep: 'Ask the employee to text START to our number, or reset their password another way.',
      };
    case ErrorCode.SmsUnroutable:
      return {
        title: 'Text not sent: number unreachable from our sender',
        text: `Twilio cannot deliver SMS to this number from our sender${twilioCode}.`,
        nextStep: 'Use another mobile number for the employee, or ask the bot owner to check the sender.',
      };
    case ErrorCode.SmsNotMobile:
      return {
        title: 'Text not sent: not a mobile number',
        text: `The number cannot receive text messages, probably a landline${twilioCode}.`,
        nextStep: "Use the employee's mobile number.",
      };
    case ErrorCode.SmsBadSender:
      return {
        title: 'Text not sent: sender misconfigured',
        text: `Twilio refused our sending number${twilioCode}. No text was sent.`,
        nextStep: 'Tell the bot owner to check TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID.',
      };
    case ErrorCode.SmsQueueFull:
      return {
        title: 'Text not sent: sender queue full',
        text: `Our sending number has too many queued messages${twilioCode}.`,
        nextStep: 'Try again later, or ask the bot owner to add senders.',
      };
    case ErrorCode.SmsRejected:
      return {
        title: 'Text not sent',
        text: `Twilio rejected the message${twilioCode || (d.httpStatus ? ` (HTTP ${d.httpStatus})` : '')}.`,
        nextStep: 'Try again; if it repeats, give the bot owner this error code.',
      };
    case ErrorCode.SmsUnreachable:
      return {
        title: 'Text not sent: SMS provider unreachable',
        text: 'The bot could not connect to Twilio, so the text was not sent.',
        nextStep: 'Try again in a few minutes. If it keeps failing, tell the bot owner.',
      };
    case ErrorCode.SmsOutcomeUnknown:
      return {
        title: 'Outcome unknown: the text may or may not have been sent',
        text:
          `${unknownSendReason(d)} The message may still have gone out, so the bot did not retry ` +
          '(a second text would carry a different password).',
        nextStep:
          'Ask the employee whether a text arrived. If not, check the Twilio console message log for this number ' +
          'before running /resetpw again.',
      };
    case ErrorCode.SmsFollowUpFailed:
      return {
        title: 'Could not check on the text',
        text: `Twilio did not answer a follow-up request about the message${twilioCode}.`,
        nextStep: 'Check the Twilio console message log for the number.',
      };
    case ErrorCode.RateLimited: {
      const limit = String(d.limit) as RateLimitName;
      const label = RATE_LIMIT_LABELS[limit];
      const retryAt = Number(d.retryAt);
      return {
        title: 'Not sent: rate limit reached',
        text: `${label ? `The limit of ${String(d.max)} ${plural(label, Number(d.max))}` : 'A rate limit'} has been reached, so nothing was sent.`,
        nextStep:
          `Try again ${Number.isFinite(retryAt) ? `after ${slackTime(retryAt)}` : 'later'}. ` +
          (limit === 'employee_10m' || limit === 'employee_day' || limit === 'phone_day'
            ? 'If the employee did not get the earlier text, check the audit log (npx resetpw audit) before trying again.'
            : 'If this is urgent, ask the bot owner: the limits are set by the RATE_LIMIT_* variables.'),
      };
    }
    case ErrorCode.RateLimitUnavailable:
      return {
        title: 'Nothing sent: could not check the rate limits',
        text: 'Every reset is counted against rate limits before the text goes out, and the counters could not be reached.',
        nextStep: 'Try again in a minute. If it keeps failing, tell the bot owner (the database may be down).',
      };
    case ErrorCode.VerificationRequired:
      return {
        title: 'Verification required',
        text: 'This workspace requires the employee to be verified before a reset (VERIFY_EMPLOYEE=required), and this submission came without a passed verification, so nothing was changed or sent.',
        nextStep: 'Run /resetpw again and verify the employee with the code the bot texts them.',
      };
    case ErrorCode.VerificationLocked: {
      const until = typeof d.until === 'string' ? ` until ${d.until.slice(11, 16)} UTC` : '';
      return {
        title: 'Verification locked',
        text: `Three wrong codes were given for this employee, so verifying them is locked${until}: whoever is on the line may not be the employee. Nothing was changed or sent, and security has been alerted.`,
        nextStep:
          'Do not reset this account on the caller’s word. Reach the employee through a channel you trust (their manager, in person) before trying again.',
      };
    }
    case ErrorCode.VerificationDeclined:
      return {
        title: 'The employee said no',
        text: 'The employee answered in Slack that they did not ask for this reset, so nothing was changed or sent, and security has been alerted.',
        nextStep:
          'Do not reset this account on the caller’s word: whoever asked may be impersonating the employee. Reach the employee through a channel you trust.',
      };
    case ErrorCode.VerificationExpired:
      return {
        title: 'Verification expired',
        text: 'The verification code is no longer valid (it ran out of time, or it was already used), so nothing was changed or sent.',
        nextStep: 'Run /resetpw again to send a new code.',
      };
    case ErrorCode.AlreadySubmitted:
      return {
        title: 'Already submitted',
        text: 'This form was already submitted, so it was not processed again and nothing more was sent.',
        nextStep:
          'The result of the first submission is posted to you privately in the channel where you ran /resetpw.',
      };
    case ErrorCode.AuditUnavailable:
      return {
        title: 'Nothing sent: could not record the reset',
        text: 'Every reset is recorded before the text goes out, and the record could not be written, so nothing was sent.',
        nextStep: 'Try again in a minute. If it keeps failing, tell the bot owner (the database may be down or full).',
      };
    // INTERNAL, and any code without words of its own (the directory's are handled above).
    default:
      return {
        title: 'Something went wrong',
        text: 'The bot hit an unexpected error. Nothing more will happen for this request.',
        nextStep: 'Try again; if it repeats, tell the bot owner the time of this message.',
      };
  }
}

/** What actually happened when Twilio's answer left the outcome open: a 5xx is not a timeout. */
function unknownSendReason(d: AppError['details']): string {
  if (typeof d.httpStatus === 'number') {
    const code = typeof d.twilioCode === 'number' ? `, Twilio error ${d.twilioCode}` : '';
    return `Twilio answered with a server error (HTTP ${d.httpStatus}${code}), which does not say whether the message was created.`;
  }
  if (d.transportCode === 'ECONNABORTED' || d.transportCode === 'ETIMEDOUT') return 'Twilio did not answer in time.';
  if (d.transportCode === 'ECONNRESET' || d.transportCode === 'EPIPE') {
    return 'The connection to Twilio broke before it answered.';
  }
  return 'Twilio gave no clear answer.';
}

function adminCheckReason(reason: string): string {
  switch (reason) {
    case 'no_such_subteam':
      return 'the admin user group does not exist';
    case 'plan_upgrade_required':
      return 'user groups need a paid Slack plan';
    case 'missing_scope':
      return 'the app lacks the usergroups:read scope';
    case 'rate_limited':
      return 'Slack is rate limiting the bot';
    case 'timeout':
      return 'Slack did not answer in time';
    default:
      return `Slack error: ${reason}`;
  }
}

/** What an admin reads about a message Twilio has finished with (or stopped reporting on). */
export function deliveryMessage(
  status: string,
  errorCode: number | undefined,
): { readonly title: string; readonly text: string; readonly nextStep?: string } {
  if (status === 'delivered') {
    return { title: 'Delivered', text: "The text reached the employee's phone." };
  }
  if (status === 'sent' || status === 'queued' || status === 'accepted' || status === 'sending') {
    return {
      title: 'No delivery report',
      text: `Twilio handed the text on (status \`${status}\`) but the carrier never confirmed delivery.`,
      nextStep: 'Ask the employee whether it arrived before resetting again.',
    };
  }
  const code = errorCode !== undefined ? ` (Twilio error ${errorCode})` : '';
  const reason = UNDELIVERED_REASONS[errorCode ?? -1];
  return {
    title: 'Not delivered',
    text: `${reason?.text ?? `The text was not delivered (status \`${status}\`)`}${code}.`,
    nextStep:
      reason?.nextStep ?? `Look the code up at https://www.twilio.com/docs/errors/${errorCode ?? ''} and try again.`,
  };
}

const UNDELIVERED_REASONS: Readonly<Record<number, { text: string; nextStep: string }>> = {
  30003: {
    text: 'The phone is unreachable: switched off, out of coverage or unable to take texts right now',
    nextStep: 'Ask the employee to turn the phone on or move into coverage, then run /resetpw again.',
  },
  30004: {
    text: 'The carrier or the employee blocked the message',
    nextStep: 'Ask the employee to unblock texts from our number, or reset their password another way.',
  },
  30005: {
    text: 'The number is unknown to the carrier or no longer in service',
    nextStep: "Check the employee's current mobile number.",
  },
  30006: {
    text: 'The number is a landline or its carrier cannot take texts',
    nextStep: "Use the employee's mobile number.",
  },
  30007: {
    text: 'The carrier filtered the message as spam',
    nextStep: 'Tell the bot owner: the sender may need registration (A2P 10DLC or toll-free verification).',
  },
  30008: {
    text: 'The carrier reported an unknown error',
    nextStep: 'Run /resetpw again once; if it fails again, reset the password another way.',
  },
  30034: {
    text: 'The sending number is not registered for US texting (A2P 10DLC)',
    nextStep: 'Tell the bot owner to register the sender.',
  },
  30036: {
    text: `The text could not go out within its validity period, so Twilio dropped it`,
    nextStep: 'Run /resetpw again; if it keeps happening, tell the bot owner (the sender queue may be backed up).',
  },
  30450: {
    text: "Twilio's SMS pumping protection blocked the message",
    nextStep: 'Wait 30 minutes and try again, or ask the bot owner to add the number to the Twilio safe list.',
  },
  30453: {
    text: "Twilio's SMS pumping protection blocked the message",
    nextStep: 'Try again in a few hours, or ask the bot owner to add the number to the Twilio safe list.',
  },
};
