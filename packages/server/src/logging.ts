import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs. Secrets never reach them (STYLE rule 9): auth headers, cookies and keys are redacted by path,
 * and every configured secret value is masked wherever it appears in a message. Client IPs are never logged:
 * request serialisation below leaves out the remote address on purpose (DESIGN.md "Privacy").
 */
export function createLogger(options: {
  level: string;
  secrets?: readonly string[];
  destination?: pino.DestinationStream;
}): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 8);
  return pino(
    {
      level: options.level,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-api-key"]',
          'headers.authorization',
          'headers.cookie',
          '*.password',
          '*.newPassword',
          '*.currentPassword',
          '*.totpSecret',
          '*.backupCode',
          '*.secret',
          '*.token',
          '*.apiKey',
          '*.*.password',
          '*.*.token',
          '*.backupCodes',
          '*.headers.cookie',
          '*.headers.authorization',
          '*.headers["x-api-key"]',
          'res.headers["set-cookie"]',
          'password',
          'secret',
          'token',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { method?: string; url?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
      hooks: {
        logMethod(args, method) {
          if (secrets.length === 0) return method.apply(this, args);
          const masked = args.map((arg) => (typeof arg === 'string' ? maskSecrets(arg, secrets) : arg));
          return method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}

function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}
