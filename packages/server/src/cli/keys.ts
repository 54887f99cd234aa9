import { parseArgs } from 'node:util';
import { normalizeEmail } from '../auth/passwords.js';
import { createTokens, deriveTokenKey, TOKEN_PREFIXES } from '../auth/tokens.js';
import type { Config } from '../config/index.js';
import { API_KEY_SCOPES, type ApiKeyScope } from '../domain/account.js';
import type { MetaStore } from '../storage/meta/meta-store.js';

/** The command's lines in `sightline help`, in the layout of the other commands. */
export const KEYS_USAGE = `  keys create --user <email> --scopes S[,S…] [--name N] [--expires-days N]
                                          Create a personal API key (scopes: ${API_KEY_SCOPES.join(', ')})
                                          and print it once, alone on stdout`;

const DAY_MS = 86_400_000;
const MAX_EXPIRY_DAYS = 3650;
const MAX_NAME_LENGTH = 100;

/** A mistake in the command line or a name that does not exist: printed as one line, exit code 1. */
export class KeysCommandError extends Error {
  override name = 'KeysCommandError';
}

export interface KeysCommandIo {
  /** The key itself: the only thing written to stdout, so `TOKEN=$(sightline keys create …)` captures just it. */
  out: (line: string) => void;
  /** What was done, for the person running the command (stderr). */
  err: (line: string) => void;
}

/**
 * `sightline keys create`: a personal API key for operators and automation, without a browser. Works on the metadata
 * store alone, so it can run while the server does. The key is stored as its HMAC hash under the server secret (the
 * same SECRET_KEY, or DATA_DIR/secret.key, the server uses), so the server accepts it at once.
 *
 * @example TOKEN=$(npx sightline keys create --user ops@example.com --scopes stats:read,sites:read --expires-days 90)
 */
export async function runKeysCommand(
  config: Config,
  meta: MetaStore,
  args: string[],
  io: KeysCommandIo = { out: (line) => console.log(line), err: (line) => console.error(line) },
  now: () => number = Date.now,
): Promise<number> {
  try {
    return await keysCommand(config, meta, args, io, now);
  } catch (error) {
    if (!(error instanceof KeysCommandError)) throw error;
    io.err(`sightline: ${error.message}`);
    return 1;
  }
}

async function keysCommand(
  config: Config,
  meta: MetaStore,
  args: string[],
  io: KeysCommandIo,
  now: () => number,
): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      scopes: { type: 'string' },
      name: { type: 'string' },
      'expires-days': { type: 'string' },
    },
  });
  const [action, ...extra] = positionals;
  if (action !== 'create' || extra.length > 0) {
    throw new KeysCommandError('Use `keys create --user <email> --scopes stats:read[,sites:read…]`');
  }
  if (values.user === undefined) throw new KeysCommandError('keys create needs --user <email>');
  const email = normalizeEmail(values.user);
  if (email === undefined) throw new KeysCommandError(`--user ${JSON.stringify(values.user)} is not an email address`);
  const scopes = parseScopes(values.scopes);
  const name = (values.name ?? 'Created with sightline keys create').trim();
  if (name === '' || name.length > MAX_NAME_LENGTH) {
    throw new KeysCommandError(`--name must be 1 to ${MAX_NAME_LENGTH} characters`);
  }
  const expiresAt = parseExpiry(values['expires-days'], now());

  const user = await meta.users.findByEmail(email);
  if (user === undefined) throw new KeysCommandError(`No account with the email ${email}`);
  const tokens = createTokens({ key: deriveTokenKey(config.secretKey) });
  const minted = tokens.newToken(TOKEN_PREFIXES.apiKey);
  const key = await meta.apiKeys.create({
    userId: user.id,
    name,
    lookupId: minted.lookupId,
    hash: minted.hash,
    scopes,
    expiresAt,
  });
  const prefix = `${TOKEN_PREFIXES.apiKey}_${key.lookupId}`;
  // The account's audit log shows keys made on its behalf from the command line too.
  await meta.audit.append({
    userId: user.id,
    siteId: null,
    action: 'api_key.created',
    ip: '',
    country: '',
    userAgent: 'sightline keys create',
    details: { keyId: key.id, name, prefix, scopes, expiresAt: expiresAt?.toISOString() ?? null, via: 'cli' },
  });
  io.err(
    `Created API key "${name}" (${prefix}…, scopes ${scopes.join(', ')}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ', no expiry'}) for ${user.email}.`,
  );
  io.err('It is shown only this once; store it now. Revoke it under Account → API keys.');
  io.out(minted.token);
  return 0;
}

function parseScopes(text: string | undefined): ApiKeyScope[] {
  if (text === undefined || text.trim() === '') {
    throw new KeysCommandError(`keys create needs --scopes, a comma-separated list of: ${API_KEY_SCOPES.join(', ')}`);
  }
  const chosen = new Set<string>();
  for (const part of text.split(',')) {
    const scope = part.trim();
    if (scope === '') continue;
    if (!(API_KEY_SCOPES as readonly string[]).includes(scope)) {
      throw new KeysCommandError(`Unknown scope ${JSON.stringify(scope)}; scopes are ${API_KEY_SCOPES.join(', ')}`);
    }
    chosen.add(scope);
  }
  if (chosen.size === 0) throw new KeysCommandError(`--scopes names no scope; use ${API_KEY_SCOPES.join(', ')}`);
  return API_KEY_SCOPES.filter((scope) => chosen.has(scope));
}

function parseExpiry(text: string | undefined, now: number): Date | null {
  if (text === undefined) return null;
  const days = /^\d{1,4}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS) {
    throw new KeysCommandError(`--expires-days must be a whole number from 1 to ${MAX_EXPIRY_DAYS}`);
  }
  return new Date(now + days * DAY_MS);
}
