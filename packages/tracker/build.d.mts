/** Types of build.mjs (kept beside it so TypeScript callers — tests, the server — get them). */

/** One built variant as dist/manifest.json describes it. */
export interface TrackerVariant {
  /** Stable alias, e.g. `s.js` (serve with a short, revalidated cache). */
  file: string;
  /** Content-addressed copy, e.g. `s.3f9a1c2b7d.js` (serve as immutable for a year). */
  versionedFile: string;
  /** Subresource Integrity value for the file's bytes: `sha384-…`. */
  sri: string;
  bytes: number;
  /** Gzipped size (the larger of zlib's default and maximum level). */
  gzipBytes: number;
  brotliBytes: number;
  /** The issue-3 budget for this variant, gzipped bytes. */
  budget: number;
  /** Build-time features compiled in (keys of FEATURES). */
  features: string[];
}

/** dist/manifest.json: variant name (`default`, `full`) → its files. */
export type TrackerManifest = Record<string, TrackerVariant>;

export declare const BUDGETS: Record<string, number>;
export declare const FEATURES: Record<string, string>;
export declare const ALL_FEATURES: string[];
export declare const VARIANTS: { name: string; file: string; features: string[] }[];
export declare function gzipBytes(code: string | Uint8Array): number;
export declare function compile(source: string, features: string[]): Promise<string>;
export declare function buildTracker(options?: { outDir?: string }): Promise<TrackerManifest>;
