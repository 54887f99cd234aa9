/** A website or app whose events Sightline records. */
export interface Site {
  /** Internal numeric id: the `site_id` column of every event. */
  id: number;
  /** Public UUID, used where other tools expect one (Umami's `website` field). */
  publicId: string;
  /** Normalised domain (lowercase, no scheme, no `www.`, no port), unique. */
  domain: string;
  /** IANA time zone the site's days are counted in. */
  timezone: string;
  /** Display name; the domain when none was given. */
  name: string;
  /** Public dashboard: anyone may read this site's stats at `/share/<domain>` without signing in. */
  isPublic: boolean;
  createdAt: Date;
}

export interface NewSite {
  domain: string;
  timezone?: string;
  name?: string;
}

/** Fields an edit may change; omitted fields stay as they are. Domain and time zone are validated like on create. */
export interface SiteUpdate {
  domain?: string;
  timezone?: string;
  name?: string;
  isPublic?: boolean;
}
