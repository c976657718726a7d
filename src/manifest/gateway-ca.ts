// `gateway.tls.caFiles`: PEM files of private CAs the gateway trusts for its outgoing TLS (HTTPS
// services, AI providers, JWKS). Here: the text checks (pure, like every path in portico.yaml)
// and what a CA file must hold, judged on its text. The files are read on disk by
// workspace-files-on-disk.ts (validation) and workspace/gateway-ca.ts (the bundle).
import { X509Certificate } from 'node:crypto';
import { relativePathProblem } from './relative-path.js';
import type { Manifest } from './schema.js';
import type { SemanticProblem } from './validate.js';

/** Larger than any real CA bundle (Mozilla's whole root store is about 220 kB). */
export const MAX_CA_FILE_BYTES = 1024 * 1024;

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** The CA files the manifest names (none when gateway.tls is not set). */
export const gatewayCaFilesOf = (m: Manifest): string[] => m.gateway.tls?.caFiles ?? [];

/** The PEM certificate blocks of a file's text, in order (anything between them is ignored, as OpenSSL does). */
export const pemCertificates = (text: string): string[] => text.match(CERTIFICATE) ?? [];

export function checkGatewayCaFiles(m: Manifest): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  gatewayCaFilesOf(m).forEach((file, i) => {
    const problem = relativePathProblem(file, { what: 'CA files', example: 'certs/ca.pem' });
    if (problem) problems.push({ path: ['gateway', 'tls', 'caFiles', i], message: problem });
  });
  return problems;
}

/**
 * What is wrong with a CA file's content, or undefined. A private key is refused outright:
 * the bundle is written to .portico/, which is committed, and the gateway needs no key to
 * trust a CA.
 */
export function caFileContentProblem(file: string, text: string): string | undefined {
  if (PRIVATE_KEY.test(text)) {
    return `CA file "${file}" holds a private key; give the gateway only the CA certificate (the bundle is written to .portico/, which is committed).`;
  }
  const certificates = pemCertificates(text);
  if (certificates.length === 0) {
    return `CA file "${file}" holds no PEM certificate (-----BEGIN CERTIFICATE-----); convert a DER file with \`openssl x509 -inform der -in ca.der -out ca.pem\`.`;
  }
  for (const [i, pem] of certificates.entries()) {
    try {
      new X509Certificate(pem);
    } catch (error) {
      return `certificate ${i + 1} in CA file "${file}" cannot be read (${(error as Error).message}); export the CA certificate again as PEM.`;
    }
  }
  return undefined;
}
