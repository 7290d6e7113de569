import { Transform } from 'class-transformer';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Env files and Kubernetes secrets often carry a PEM on one line with literal "\n" sequences; both spellings are
 * accepted. Base64 key text contains no backslash, so nothing else changes.
 */
export function pemText(text: string): string {
  return text.replace(/\\r/g, '').replace(/\\n/g, '\n');
}

/** Applies pemText to a config variable as it is read. */
export function PemText(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? pemText(value) : value));
}

/**
 * The PEM certificates in a text of one or more concatenated certificates, and whether anything else is in it
 * (another PEM block, such as a private key, or stray text): a certificate variable must hold certificates only.
 */
export function splitPemCertificates(text: string): { readonly certificates: string[]; readonly extra: boolean } {
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  const extra = text.replace(PEM_CERTIFICATE, '').trim() !== '';
  return { certificates, extra };
}
