import { SMTPServer } from 'smtp-server';

/** One message as a mail client would show it. */
export interface CaughtMail {
  /** Envelope recipients. */
  to: string[];
  subject: string;
  /** Decoded text/plain part. */
  text: string;
  /** Decoded text/html part ('' when absent). */
  html: string;
  raw: string;
}

export interface MailCatcher {
  /** SMTP_URL for Sightline: plain SMTP on loopback, no authentication. */
  url: string;
  messages: CaughtMail[];
  /** Resolves with the first message (already received or arriving within `timeoutMs`) that matches. */
  waitFor(match: (mail: CaughtMail) => boolean, timeoutMs?: number): Promise<CaughtMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server in the test process (npm `smtp-server`) that keeps what it receives, so tests can read the mail
 * Sightline sends and follow its links. Loopback, no STARTTLS, no AUTH: what Sightline's mailer accepts for a relay on
 * 127.0.0.1.
 */
export async function startMailCatcher(): Promise<MailCatcher> {
  const messages: CaughtMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({ ...parseMessage(raw), to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw });
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) {
          const seen = messages.map((mail) => `${mail.to.join(',')}: ${mail.subject}`).join('\n  ');
          throw new Error(`no matching mail within ${timeoutMs} ms; received:\n  ${seen || '(none)'}`);
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, Math.min(left, 250));
          waiters.add(wake);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The single-use token of the first Sightline mail link (`…?token=…`) in a message's text. */
export function tokenFromMail(mail: CaughtMail, path?: string): string {
  const pattern = new RegExp(`https?://[^\\s]*${path ?? ''}\\?token=([A-Za-z0-9_%-]+)`);
  const match = pattern.exec(mail.text);
  if (!match?.[1]) throw new Error(`no link${path ? ` to ${path}` : ''} in mail "${mail.subject}":\n${mail.text}`);
  return decodeURIComponent(match[1]);
}

// -- a small MIME reader: enough for what nodemailer writes (multipart/alternative, QP or base64 parts) -----------

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitPart(raw: string): Part {
  const index = raw.search(/\r?\n\r?\n/);
  const head = index === -1 ? raw : raw.slice(0, index);
  const body = index === -1 ? '' : raw.slice(index).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes: number[] = [];
    const text = part.body.replace(/=\r?\n/g, '');
    for (let i = 0; i < text.length; i++) {
      const hex = text.slice(i + 1, i + 3);
      if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }
  return part.body;
}

function decodeHeader(value: string): string {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_match, kind: string, data: string) =>
    kind.toLowerCase() === 'b'
      ? Buffer.from(data, 'base64').toString('utf8')
      : decodeBody({
          headers: new Map([['content-transfer-encoding', 'quoted-printable']]),
          body: data.replace(/_/g, ' '),
        }),
  );
}

function leaves(part: Part): Part[] {
  const type = part.headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || boundary === undefined) return [part];
  return (
    part.body
      .split(`--${boundary}`)
      .slice(1)
      .filter((chunk) => !chunk.startsWith('--'))
      // The line break before a boundary belongs to the boundary (RFC 2046 §5.1.1), not to the part.
      .flatMap((chunk) => leaves(splitPart(chunk.replace(/^\r?\n/, '').replace(/\r?\n$/, ''))))
  );
}

function parseMessage(raw: string): Omit<CaughtMail, 'to' | 'raw'> {
  const message = splitPart(raw);
  const parts = leaves(message);
  const find = (type: string) =>
    parts.find((part) => (part.headers.get('content-type') ?? 'text/plain').startsWith(type));
  const text = find('text/plain');
  const html = find('text/html');
  return {
    subject: decodeHeader(message.headers.get('subject') ?? ''),
    text: text === undefined ? '' : decodeBody(text),
    html: html === undefined ? '' : decodeBody(html),
  };
}
