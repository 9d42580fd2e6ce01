/** Test certificates made with the `openssl` CLI (tests only; not part of the runtime). */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TlsOptions } from '../api.ts';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A throw-away PKI in `dir`: CAs by name, and certificates they issue. */
export class TestPki {
  constructor(readonly dir: string) {}

  private openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'ignore', timeout: 10_000 });
  }

  /** A self-signed CA `<ca>ca.pem` / `<ca>ca.key`; returns the path of its certificate. */
  ca(ca: string): string {
    this.openssl(
      'req',
      '-x509',
      ...EC,
      '-keyout',
      `${ca}ca.key`,
      '-out',
      `${ca}ca.pem`,
      '-days',
      '1',
      '-subj',
      `/CN=${ca}ca`,
    );
    return join(this.dir, `${ca}ca.pem`);
  }

  /**
   * A certificate from `ca` (made with `ca()` first) with subject CN `cn` and the names in
   * `san` (`DNS:…`, `IP:…`, comma-separated), as a node's TLS options.
   */
  issue(ca: string, file: string, cn: string, san: string): TlsOptions {
    this.openssl(
      'req',
      ...EC,
      '-keyout',
      `${file}.key`,
      '-out',
      `${file}.csr`,
      '-subj',
      `/CN=${cn}`,
    );
    writeFileSync(join(this.dir, `${file}.ext`), `subjectAltName=${san}\n`);
    this.openssl(
      'x509',
      '-req',
      '-in',
      `${file}.csr`,
      '-CA',
      `${ca}ca.pem`,
      '-CAkey',
      `${ca}ca.key`,
      '-CAcreateserial',
      '-extfile',
      `${file}.ext`,
      '-out',
      `${file}.pem`,
      '-days',
      '1',
    );
    return {
      certFile: join(this.dir, `${file}.pem`),
      keyFile: join(this.dir, `${file}.key`),
      caFile: join(this.dir, `${ca}ca.pem`),
    };
  }
}
