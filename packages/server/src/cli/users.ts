import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { PASSWORD_RESET_TTL_MS } from '../auth/accounts.js';
import { checkPasswordPolicy, hashPassword, normalizeEmail } from '../auth/passwords.js';
import { createTokens, deriveTokenKey, TOKEN_PREFIXES } from '../auth/tokens.js';
import type { Config } from '../config/index.js';
import { DuplicateEmailError, type MetaStore } from '../storage/meta/meta-store.js';

/** A mistake on the command line: printed as one line (with what to do), exit code 1. */
export class UsersCommandError extends Error {
  override name = 'UsersCommandError';
}

export const USERS_USAGE = `  users create <email> [--owner] [--name N] [--password-stdin | --password P]
                                          Create a verified account (prints a generated password once
                                          unless one is given; --owner: instance owner)
  users reset-password <email> [--password-stdin | --password P]
                                          Print a one-hour, single-use reset link (or set the password);
                                          unlocks the account and signs out its sessions
  --password-stdin reads the password from the first line of standard input; --password P shows it to anyone
  who can list processes on this machine`;

/** Unambiguous characters (no 0/O, 1/l/I): an operator may have to read the password out to someone. */
const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const GENERATED_PASSWORD_LENGTH = 20; // ~114 bits

export function generatePassword(): string {
  let password = '';
  for (let i = 0; i < GENERATED_PASSWORD_LENGTH; i++)
    password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return password;
}

export interface UsersCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** All of standard input (for --password-stdin). */
  readInput: () => Promise<string>;
}

async function readStandardInput(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `sightline users …`: account operations for operators, straight on the metadata store (the server may be running).
 * Passwords given on the command line go through the same policy as the sign-up form.
 */
export async function runUsersCommand(
  config: Config,
  meta: MetaStore,
  args: string[],
  io: UsersCommandIo = {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    readInput: readStandardInput,
  },
): Promise<number> {
  try {
    return await usersCommand(config, meta, args, io);
  } catch (error) {
    if (!(error instanceof UsersCommandError)) throw error;
    io.err(`sightline: ${error.message}`);
    return 1;
  }
}

async function usersCommand(config: Config, meta: MetaStore, args: string[], io: UsersCommandIo): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      owner: { type: 'boolean' },
      name: { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    },
  });
  const [action, rawEmail, ...extra] = positionals;
  if (extra.length > 0) throw new UsersCommandError(`Unexpected argument "${extra[0]}"`);
  if (action !== 'create' && action !== 'reset-password') {
    throw new UsersCommandError('Use `users create <email> [--owner] [--name N]` or `users reset-password <email>`');
  }
  if (rawEmail === undefined) throw new UsersCommandError(`users ${action} needs an email address`);
  const email = normalizeEmail(rawEmail);
  if (email === undefined) throw new UsersCommandError(`"${rawEmail}" is not a valid email address`);
  const password = await givenPassword(values.password, values['password-stdin'] === true, io);
  if (action === 'create') {
    return createUser(meta, io, email, { owner: values.owner === true, name: values.name, password });
  }
  if (values.owner !== undefined || values.name !== undefined) {
    throw new UsersCommandError('users reset-password takes only --password-stdin or --password');
  }
  return resetPassword(config, meta, io, email, password);
}

/** The password from --password or standard input's first line, or undefined when neither was given. */
async function givenPassword(
  option: string | undefined,
  fromStdin: boolean,
  io: UsersCommandIo,
): Promise<string | undefined> {
  if (!fromStdin) return option;
  if (option !== undefined)
    throw new UsersCommandError('Give the password with --password-stdin or --password, not both');
  // The first line, without its line ending: `echo "$PASSWORD" | …` and a file both work.
  const password = (await io.readInput()).split(/\r?\n/, 1)[0] ?? '';
  if (password === '') throw new UsersCommandError('--password-stdin: standard input held no password');
  return password;
}

function checkPassword(password: string, email: string): void {
  const problem = checkPasswordPolicy(password, { email });
  if (problem !== undefined) throw new UsersCommandError(`Password refused: ${problem}`);
}

async function createUser(
  meta: MetaStore,
  io: UsersCommandIo,
  email: string,
  options: { owner: boolean; name: string | undefined; password: string | undefined },
): Promise<number> {
  const name = (options.name ?? '').replace(/\p{Cc}+/gu, ' ').trim() || (email.split('@')[0] ?? email);
  if ([...name].length > 100) throw new UsersCommandError('--name: use at most 100 characters');
  const generated = options.password === undefined;
  const password = options.password ?? generatePassword();
  checkPassword(password, email);
  try {
    const user = await meta.users.create({
      email,
      name,
      passwordHash: await hashPassword(password),
      isInstanceOwner: options.owner,
      // The operator vouches for the address.
      emailVerifiedAt: new Date(),
    });
    await meta.audit.append({
      userId: user.id,
      siteId: null,
      action: 'account.created',
      ip: '',
      country: '',
      userAgent: 'sightline cli',
      details: { method: 'cli', instanceOwner: options.owner },
    });
    io.out(`Created ${user.email} (id ${user.id}${options.owner ? ', instance owner' : ''}).`);
    if (generated) {
      io.out(`Password (shown once; ask them to change it under Account → Security): ${password}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof DuplicateEmailError) {
      throw new UsersCommandError(
        `An account for ${email} already exists; use \`users reset-password ${email}\` to give it a new password`,
      );
    }
    throw error;
  }
}

async function resetPassword(
  config: Config,
  meta: MetaStore,
  io: UsersCommandIo,
  email: string,
  password: string | undefined,
): Promise<number> {
  const user = await meta.users.findByEmail(email);
  if (user === undefined) throw new UsersCommandError(`No account for ${email}`);
  if (password === undefined) {
    const tokens = createTokens({ key: deriveTokenKey(config.secretKey) });
    const { token, hash } = tokens.newToken(TOKEN_PREFIXES.passwordReset);
    const now = Date.now();
    // A new link voids the older ones, as from the "forgot password" form.
    await meta.userTokens.deleteForUser(user.id, 'reset_password');
    await meta.userTokens.create({
      hash,
      userId: user.id,
      purpose: 'reset_password',
      newEmail: null,
      expiresAt: new Date(now + PASSWORD_RESET_TTL_MS),
      usedAt: null,
      createdAt: new Date(now),
    });
    io.out(`Reset link for ${user.email} (works once, for one hour):`);
    io.out(`${config.publicUrl}/reset-password?token=${encodeURIComponent(token)}`);
    return 0;
  }
  checkPassword(password, user.email);
  await meta.users.update(user.id, {
    passwordHash: await hashPassword(password),
    failedLogins: 0,
    lockedUntil: null,
  });
  await meta.userTokens.deleteForUser(user.id, 'reset_password');
  const ended = await meta.loginSessions.deleteAllForUser(user.id);
  await meta.audit.append({
    userId: user.id,
    siteId: null,
    action: 'password.reset',
    ip: '',
    country: '',
    userAgent: 'sightline cli',
    details: { method: 'cli', sessionsEnded: ended },
  });
  io.out(`Set a new password for ${user.email}; the account is unlocked and ${ended} session(s) were signed out.`);
  return 0;
}
