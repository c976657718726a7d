// A throwaway certificate authority made per test run with `openssl` (in a temp dir, deleted
// right after): a CA, leaf certificates it signs for chosen names, and a self-signed one. No key
// is ever committed; each run gets fresh keys.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCertificate {
  /** PEM certificate (leaf first) and its PEM private key. */
  cert: string;
  key: string;
}

export interface TestCa {
  /** The CA certificate (PEM) a client must trust. */
  caCert: string;
  /** A leaf for `names` (DNS names or IPs) signed by this CA. */
  leaf(names: readonly string[]): TestCertificate;
  /** A self-signed leaf for `names`, not signed by this CA (a "wrong certificate"). */
  selfSigned(names: readonly string[]): TestCertificate;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function subjectAltName(names: readonly string[]): string {
  return names.map((n) => (/^[\d.]+$/.test(n) || n.includes(':') ? `IP:${n}` : `DNS:${n}`)).join(',');
}

export function makeTestCa(): TestCa {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portico-ca-'));
  try {
    openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Portico Test CA']);
    const caKey = readFileSync(path.join(dir, 'ca.key'), 'utf8');
    const caCert = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
    let n = 0;
    const issue = (names: readonly string[], signed: boolean): TestCertificate => {
      const work = mkdtempSync(path.join(os.tmpdir(), 'portico-leaf-'));
      try {
        writeFileSync(path.join(work, 'ca.key'), caKey, { mode: 0o600 });
        writeFileSync(path.join(work, 'ca.pem'), caCert);
        writeFileSync(path.join(work, 'ext.cnf'), `subjectAltName=${subjectAltName(names)}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
        const cn = `/CN=${names[0]}`;
        if (signed) {
          openssl(work, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', cn]);
          openssl(work, ['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(1000 + n++), '-days', '2', '-extfile', 'ext.cnf', '-out', 'leaf.pem']);
        } else {
          openssl(work, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.pem', '-days', '2', '-subj', cn, '-addext', `subjectAltName=${subjectAltName(names)}`]);
        }
        return { cert: readFileSync(path.join(work, 'leaf.pem'), 'utf8'), key: readFileSync(path.join(work, 'leaf.key'), 'utf8') };
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    };
    return { caCert, leaf: (names) => issue(names, true), selfSigned: (names) => issue(names, false) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
