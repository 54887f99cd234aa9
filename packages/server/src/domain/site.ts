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
  createdAt: Date;
}

export interface NewSite {
  domain: string;
  timezone?: string;
}
