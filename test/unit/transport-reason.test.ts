import { describe, expect, it } from 'vitest';
import { transportReason } from '../../src/lib/transport-reason.js';
import { freePort } from '../fakes/http-util.js';

/** The word messages give for a request that got no answer, from real fetch failures. */
describe('transportReason', () => {
  const failure = (url: string) =>
    fetch(url).then(
      () => {
        throw new Error('expected the request to fail');
      },
      (err: unknown) => err,
    );

  it('finds the socket error code under fetch’s TypeError, and under an SDK wrapper around it', async () => {
    const port = await freePort();
    const err = await failure(`http://127.0.0.1:${port}/`);
    expect(transportReason(err)).toBe('ECONNREFUSED');
    expect(
      transportReason({ code: 'slack_webapi_request_error', message: 'A request error occurred', original: err }),
    ).toBe('ECONNREFUSED');
  });

  it('falls back to the innermost message, then to the error itself', async () => {
    // fetch refuses some ports outright, with no socket error to name.
    expect(transportReason(await failure('http://127.0.0.1:9/'))).toBe('bad port');
    expect(transportReason(new Error('boom'))).toBe('boom');
    expect(transportReason('plain')).toBe('plain');
  });
});
