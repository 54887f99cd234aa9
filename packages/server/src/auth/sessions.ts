import type { LoginSession, User } from '../domain/account.js';
import type { LoginSessionRepository, UserRepository } from '../storage/meta/meta-store.js';
import { TOKEN_PREFIXES, type Tokens } from './tokens.js';

/** The browser session cookie. Its value is the token; the store keeps only the token's HMAC hash. */
export const SESSION_COOKIE = 'sl_session';
/** last_seen_at is written at most this often per session: a dashboard makes many requests a minute. */
const TOUCH_INTERVAL_MS = 60_000;
const MAX_USER_AGENT_LENGTH = 512;

export interface SessionServiceOptions {
  sessions: LoginSessionRepository;
  users: Pick<UserRepository, 'findById'>;
  tokens: Tokens;
  /** A session unused for this long is over. */
  idleTimeoutMs: number;
  /** A session is over this long after sign-in, however active. */
  maxAgeMs: number;
  now: () => number;
}

export interface AuthenticatedSession {
  session: LoginSession;
  user: User;
}

export interface SessionService {
  /** Starts a session; returns the token for the cookie. The token is never stored, logged or returned again. */
  create(
    user: Pick<User, 'id'>,
    client: { userAgent: string; country: string },
  ): Promise<{ token: string; session: LoginSession }>;
  /** The live session behind a cookie token, or undefined. Expired sessions are deleted when seen. */
  authenticate(token: string | undefined): Promise<AuthenticatedSession | undefined>;
  /** Ends the session behind a token (sign-out). */
  revokeToken(token: string | undefined): Promise<void>;
  /** Ends one of the user's sessions by id (the sessions page); false if it is not theirs. */
  revoke(userId: number, sessionId: string): Promise<boolean>;
  /** Ends every session of the user except `keepId` (password or MFA change); returns how many ended. */
  revokeOthers(userId: number, keepId?: string): Promise<number>;
  /** Deletes expired sessions (scheduled job). */
  sweep(): Promise<number>;
  /** Cookie lifetime in seconds: the absolute expiry. */
  readonly cookieMaxAgeSeconds: number;
}

/**
 * Opaque, random, server-side sessions. A stolen database yields hashes, not usable cookies; signing out or revoking
 * deletes the row, so it takes effect at once on every node (unlike a signed, stateless token).
 */
export function createSessionService(options: SessionServiceOptions): SessionService {
  const { sessions, users, tokens, idleTimeoutMs, maxAgeMs, now } = options;

  function expired(session: LoginSession, at: number): boolean {
    return session.expiresAt.getTime() <= at || session.lastSeenAt.getTime() + idleTimeoutMs <= at;
  }

  return {
    cookieMaxAgeSeconds: Math.floor(maxAgeMs / 1000),

    async create(user, client) {
      const { token, hash } = tokens.newToken(TOKEN_PREFIXES.session);
      const at = now();
      const session: LoginSession = {
        id: hash,
        userId: user.id,
        userAgent: (client.userAgent ?? '').slice(0, MAX_USER_AGENT_LENGTH),
        country: client.country ?? '',
        createdAt: new Date(at),
        lastSeenAt: new Date(at),
        expiresAt: new Date(at + maxAgeMs),
      };
      await sessions.create(session);
      return { token, session };
    },

    async authenticate(token) {
      if (token === undefined) return undefined;
      const hash = tokens.hashToken(token);
      if (hash === undefined || !token.startsWith(`${TOKEN_PREFIXES.session}_`)) return undefined;
      const session = await sessions.findById(hash);
      if (session === undefined) return undefined;
      const at = now();
      if (expired(session, at)) {
        await sessions.deleteForUser(session.userId, session.id);
        return undefined;
      }
      const user = await users.findById(session.userId);
      if (user === undefined) return undefined;
      if (at - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
        const lastSeenAt = new Date(at);
        await sessions.touch(session.id, lastSeenAt);
        return { session: { ...session, lastSeenAt }, user };
      }
      return { session, user };
    },

    async revokeToken(token) {
      if (token === undefined) return;
      const hash = tokens.hashToken(token);
      if (hash === undefined) return;
      const session = await sessions.findById(hash);
      if (session !== undefined) await sessions.deleteForUser(session.userId, session.id);
    },

    revoke: (userId, sessionId) => sessions.deleteForUser(userId, sessionId),
    revokeOthers: (userId, keepId) => sessions.deleteAllForUser(userId, keepId),
    sweep: () => {
      const at = now();
      return sessions.deleteExpired(new Date(at), new Date(at - idleTimeoutMs));
    },
  };
}
