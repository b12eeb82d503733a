import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Config } from '../config/index.js';
import { AppError, ErrorCode } from '../errors.js';
import type { SmsSender } from '../ports/index.js';
import { ResetpwTwilioHttpClient, TwilioTransportError } from './twilio-http-client.js';

export { ResetpwTwilioHttpClient } from './twilio-http-client.js';

const MAX_RETRIES = 2;
/** Messages to one number around one reset: a handful at most; more is a number texted in a loop. */
const LIST_LIMIT = 20;
const MAX_RETRY_DELAY_MS = 1000;

/** The longest one send can take: every attempt timing out, plus the retry delays between them. */
export function maxSendDurationMs(timeoutMs: number): number {
  return (MAX_RETRIES + 1) * timeoutMs + MAX_RETRIES * MAX_RETRY_DELAY_MS;
}

/** The SDK client for TWILIO_*'s account and credentials (an API key or the auth token), through our RequestClient. */
export function createTwilioClient(
  twilioConfig: Config['twilio'],
  options: RequestClient.RequestClientOptions,
): ReturnType<typeof twilio> {
  const { accountSid, auth, apiUrl } = twilioConfig;
  const httpClient = new ResetpwTwilioHttpClient(apiUrl, options);
  return auth.kind === 'apiKey'
    ? twilio(auth.apiKey, auth.apiSecret, { accountSid, httpClient })
    : twilio(accountSid, auth.authToken, { httpClient });
}

export function createTwilioSmsSender(twilioConfig: Config['twilio'], validitySeconds: number): SmsSender {
  const { sender, timeoutMs } = twilioConfig;
  // autoRetry only ever retries HTTP 429, where Twilio created nothing, so it cannot double-send.
  const client = createTwilioClient(twilioConfig, {
    timeout: timeoutMs,
    autoRetry: true,
    maxRetries: MAX_RETRIES,
    maxRetryDelay: MAX_RETRY_DELAY_MS,
  });
  const senderParams =
    sender.kind === 'from' ? { from: sender.from } : { messagingServiceSid: sender.messagingServiceSid };

  return {
    async send({ to, body }) {
      try {
        const message = await client.messages.create({ to, body, validityPeriod: validitySeconds, ...senderParams });
        // Copy out only identifiers: the returned instance carries the body.
        return { sid: message.sid, status: message.status };
      } catch (err) {
        throw classifyTwilioError(err);
      }
    },
    async fetchStatus(sid) {
      try {
        const message = await client.messages(sid).fetch();
        return {
          status: message.status,
          ...(typeof message.errorCode === 'number' ? { errorCode: message.errorCode } : {}),
        };
      } catch (err) {
        throw classifyFollowUpError(err, 'fetch');
      }
    },
    async findSent({ to, from, until }) {
      try {
        // By number (and our sender, where it is one number), newest first, then by creation time here. Not by
        // DateSent: a message Twilio accepted and still holds in its queue has no send date yet, and it is ours.
        const listed = await client.messages.list({
          to,
          ...(sender.kind === 'from' ? { from: sender.from } : {}),
          limit: LIST_LIMIT,
        });
        return listed
          .filter((m) => sender.kind === 'from' || m.messagingServiceSid === sender.messagingServiceSid)
          .filter((m) => m.dateCreated.getTime() >= from.getTime() && m.dateCreated.getTime() <= until.getTime())
          .map((m) => ({
            sid: m.sid,
            status: m.status,
            ...(typeof m.errorCode === 'number' ? { errorCode: m.errorCode } : {}),
            createdAt: m.dateCreated,
          }));
      } catch (err) {
        throw classifyFollowUpError(err, 'list');
      }
    },
    async redact(sid) {
      try {
        // An empty Body is Twilio's documented way to blank a finished message's text.
        await client.messages(sid).update({ body: '' });
      } catch (err) {
        throw classifyFollowUpError(err, 'redact');
      }
    },
  };
}

/**
 * Errors of the calls made after a send (status, redaction). Both are safe to repeat, so all that matters is
 * whether trying again can help: `permanent` for credentials or a message Twilio does not know.
 */
function classifyFollowUpError(err: unknown, operation: 'fetch' | 'redact' | 'list'): AppError {
  const classified = classifyTwilioError(err);
  const status = classified.details.httpStatus;
  const permanent = typeof status === 'number' && [401, 403, 404].includes(status);
  return new AppError(ErrorCode.SmsFollowUpFailed, `Twilio ${operation} failed`, {
    ...classified.details,
    cause: classified.code,
    operation,
    permanent,
  });
}

const CODE_MAP: Readonly<Record<number, ErrorCode>> = {
  20003: ErrorCode.SmsAuthFailed,
  20429: ErrorCode.SmsRateLimited,
  21211: ErrorCode.SmsInvalidNumber,
  21408: ErrorCode.SmsRegionBlocked,
  21610: ErrorCode.SmsOptedOut,
  21612: ErrorCode.SmsUnroutable,
  21614: ErrorCode.SmsNotMobile,
  21635: ErrorCode.SmsNotMobile,
  21606: ErrorCode.SmsBadSender,
  21212: ErrorCode.SmsBadSender,
  21611: ErrorCode.SmsQueueFull,
};

/** Connection never established: nothing reached Twilio, so nothing was sent. */
const NOT_SENT_TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Turns whatever the SDK threw into an AppError holding only codes. The raw error is dropped on purpose: whatever
 * the SDK wraps may hold the request (an axios error's `config.data` was the form body, password included).
 */
export function classifyTwilioError(err: unknown): AppError {
  if (err instanceof twilio.RestException) {
    const status = err.status;
    const code = typeof err.code === 'number' ? err.code : undefined;
    const details = { twilioCode: code, httpStatus: status };
    const mapped = code !== undefined ? CODE_MAP[code] : undefined;
    if (mapped) return new AppError(mapped, 'Twilio rejected the message', details);
    if (status === 401) return new AppError(ErrorCode.SmsAuthFailed, 'Twilio rejected the credentials', details);
    if (status === 429) return new AppError(ErrorCode.SmsRateLimited, 'Twilio rate limited the send', details);
    // A 5xx does not say whether the message was created before the failure.
    if (status >= 500) return new AppError(ErrorCode.SmsOutcomeUnknown, 'Twilio server error', details);
    return new AppError(ErrorCode.SmsRejected, 'Twilio rejected the message', details);
  }
  if (err instanceof TwilioTransportError) {
    const transportCode = err.code;
    if (NOT_SENT_TRANSPORT_CODES.has(transportCode)) {
      return new AppError(ErrorCode.SmsUnreachable, 'Could not connect to Twilio', { transportCode });
    }
    return new AppError(ErrorCode.SmsOutcomeUnknown, 'No definite answer from Twilio', { transportCode });
  }
  const e = err as { code?: unknown; status?: unknown; name?: string };
  // RFC 9457 problem bodies come back as TwilioServiceException, which the SDK does not export.
  if (typeof e?.status === 'number' && 'title' in (e as object)) {
    const code = typeof e.code === 'number' ? e.code : undefined;
    return new AppError(ErrorCode.SmsRejected, 'Twilio rejected the message', {
      twilioCode: code,
      httpStatus: e.status,
    });
  }
  return new AppError(ErrorCode.SmsOutcomeUnknown, 'Unexpected failure while sending', { errorName: e?.name });
}
