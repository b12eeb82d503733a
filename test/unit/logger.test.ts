import { LogLevel } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createLogger, omitPayloads, toBoltLogger } from '../../src/logger.js';
import { LogCapture } from '../helpers/harness.js';

describe('createLogger', () => {
  it('redacts secret keys at any of three depths', () => {
    const out = new LogCapture();
    const log = createLogger({ level: 'debug', destination: out });
    log.info({ token: 'xoxb-1', config: { authToken: 'tw-secret', nested: { apiSecret: 'k-secret' } } }, 'x');
    log.info({ password: 'P@ss', headers: { authorization: 'Basic abc' }, smsBody: 'your password is P@ss' }, 'y');
    for (const secret of ['xoxb-1', 'tw-secret', 'k-secret', 'P@ss', 'Basic abc'])
      expect(out.text).not.toContain(secret);
    expect(out.entries()[0]).toMatchObject({ token: '[redacted]', config: { authToken: '[redacted]' } });
  });

  it('serialises errors without the request a client attached to them', () => {
    const out = new LogCapture();
    const log = createLogger({ level: 'info', destination: out });
    const err = Object.assign(new Error('timeout of 1000ms exceeded'), {
      code: 'ECONNABORTED',
      config: { data: 'Body=SECRET-PASSWORD' },
    });
    log.error({ err }, 'failed');
    expect(out.text).not.toContain('SECRET-PASSWORD');
    expect(out.entries()[0]?.err).toMatchObject({ type: 'Error', code: 'ECONNABORTED' });
  });
});

describe('toBoltLogger', () => {
  it('routes Bolt messages through pino at the configured level and cuts payload dumps', () => {
    const out = new LogCapture();
    const bolt = toBoltLogger(createLogger({ level: 'debug', destination: out }));
    bolt.setLevel(LogLevel.ERROR); // Bolt calls this; LOG_LEVEL stays in charge
    expect(bolt.getLevel()).toBe(LogLevel.DEBUG);
    bolt.debug('http request body: {"phone":"+14155552671"}');
    bolt.debug('{"view":{"state":"+14155552671"}}');
    bolt.warn('plain', 'words');
    bolt.error('An unhandled error', new Error('boom'));
    expect(out.text).not.toContain('+14155552671');
    const entries = out.entries();
    expect(entries.map((e) => e.msg)).toEqual([
      'http request body: [payload omitted]',
      '[payload omitted]',
      'plain words',
      'An unhandled error',
    ]);
    expect(entries[3]).toMatchObject({ level: 50, component: 'bolt', err: { message: 'boom' } });
  });

  it('keeps ordinary messages', () => {
    expect(omitPayloads("apiCall('views.open') start")).toBe("apiCall('views.open') start");
    expect(omitPayloads('Calling ack() - type: interactive, envelope_id: e1, data: {"x":1}')).toBe(
      'Calling ack() - type: interactive, envelope_id: e1, [payload omitted]',
    );
  });
});
