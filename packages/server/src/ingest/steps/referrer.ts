import type { ReferrerClassifier } from '../enrich/referrer.js';
import { type Drop, drop, type EventDraft } from './draft.js';

/** The slice of the spam list the pipeline reads. */
export interface SpamReferrers {
  isSpam(referrerDomain: string): boolean;
}

/**
 * Step 5, spam referrer: classifies the referrer once (domain, source name, kind of site) and drops referrer spam.
 * The channel step later reads the classification from the draft. A referrer from the page's own site is
 * navigation, not a source: its columns stay empty.
 */
export function referrerStep(draft: EventDraft, classify: ReferrerClassifier, spam: SpamReferrers): Drop | undefined {
  const { row } = draft;
  if (row.referrer === '') return undefined;
  const info = classify(row.referrer, row.hostname);
  if (info.internal) {
    row.referrer = '';
    return undefined;
  }
  if (info.referrerDomain !== '' && spam.isSpam(info.referrerDomain)) return drop('spam_referrer', info.referrerDomain);
  row.referrer = info.referrer;
  row.referrer_domain = info.referrerDomain;
  row.referrer_source = info.referrerSource;
  draft.referrerKind = info.referrerKind;
  return undefined;
}
