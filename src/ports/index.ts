/**
 * The narrow seams between the use cases and the outside world. Real adapters live in src/adapters and
 * src/store; tests use the same adapters against local fakes or real servers, or small fakes of these interfaces.
 */
export * from './audit.js';
export * from './directory.js';
export * from './expiry.js';
export * from './limits.js';
export * from './notices.js';
export * from './slack.js';
export * from './sms.js';
export * from './verification.js';
