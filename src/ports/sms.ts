/** The port onto the SMS provider. Provider-neutral: Twilio's words stay in its adapter. */

export interface SmsReceipt {
  readonly sid: string;
  readonly status: string;
}

/** The provider's view of one message after it was accepted. */
export interface SmsDeliveryStatus {
  /** queued, sending, sent, delivered, undelivered, failed, … */
  readonly status: string;
  readonly errorCode?: number;
}

/** A message found at the provider by its number and time, for a send whose answer never came. */
export interface FoundMessage {
  readonly sid: string;
  readonly status: string;
  readonly errorCode?: number;
  readonly createdAt: Date;
}

export interface SmsSender {
  /** Sends once, never retrying an ambiguous failure. Throws an AppError whose code says what happened. */
  send(message: { to: string; body: string }): Promise<SmsReceipt>;
  /** The message's current status. Throws an AppError (SMS_FOLLOW_UP_FAILED) when it cannot be read. */
  fetchStatus(sid: string): Promise<SmsDeliveryStatus>;
  /**
   * Messages from the bot's sender to `to` that the provider created in [from, until] (its message log, whatever
   * their status, queued ones included), so that a send whose answer never came can be told apart: sent, or never
   * created. Throws an AppError (SMS_FOLLOW_UP_FAILED) when the list cannot be read.
   */
  findSent(query: { readonly to: string; readonly from: Date; readonly until: Date }): Promise<FoundMessage[]>;
  /** Blanks the message body at the provider, so the password does not stay in its logs. */
  redact(sid: string): Promise<void>;
}
