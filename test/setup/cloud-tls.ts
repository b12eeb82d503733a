import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCertificates } from '../helpers/tls.js';

/**
 * A private CA for the cloud directories' local servers, which speak HTTPS as the real ones do (Graph's client only
 * sends its token over https; @azure/identity refuses an http authority). Node reads NODE_EXTRA_CA_CERTS once, when
 * a process starts: set here, in vitest's main process, it reaches every test worker forked after it.
 * RESETPW_TEST_TLS_DIR tells the local servers where their certificate and key are.
 */
export default function setup() {
  const parent = mkdtempSync(join(tmpdir(), 'resetpw-cloud-tls-'));
  const certs = makeTestCertificates(parent);
  process.env.NODE_EXTRA_CA_CERTS = certs.caFile;
  process.env.RESETPW_TEST_TLS_DIR = certs.dir;
  return () => rmSync(parent, { recursive: true, force: true });
}
