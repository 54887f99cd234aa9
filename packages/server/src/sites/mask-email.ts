/**
 * An email address with most of its local part hidden, for telling a signed-in user which address something was
 * meant for without disclosing the address to whoever holds the link.
 *
 * @example maskEmail('jane.doe@example.com') // 'j***@example.com'
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  const first = [...email.slice(0, at)][0] ?? '';
  return `${first}***${email.slice(at)}`;
}
