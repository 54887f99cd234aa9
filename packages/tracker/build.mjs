// Builds the tracker variants into dist/: each as a stable alias (s.js), a content-addressed copy for immutable
// caching (s.<hash>.js), precompressed .gz/.br files, and dist/manifest.json describing them (README.md, "Serving").
// Usage: node build.mjs            (writes dist/)
// Also importable: `buildTracker({ outDir })` returns the manifest without touching dist/ unless asked.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { transform } from 'esbuild';
import { minify } from 'terser';

const here = dirname(fileURLToPath(import.meta.url));

/** Byte budgets of issue 3, gzipped. The size test asserts them; the build refuses to exceed them. */
export const BUDGETS = { default: 1024, full: 1536 };

/**
 * Build-time feature flags of src/s.ts (its `declare const`s). The default script carries what every site needs and
 * must stay correct (bfcache restores and prerendering change what a pageview is); the full one adds the rest.
 */
export const FEATURES = {
  FEATURE_BFCACHE: 'a page restored from the back/forward cache counts as a new pageview',
  FEATURE_PRERENDER: 'a prerendered page counts only when the visitor activates it',
  FEATURE_OUTBOUND: 'clicks on links to other hosts: "Outbound Link: Click" {url}',
  FEATURE_DOWNLOADS: 'clicks on file links: "File Download" {url}; data-file-types adds extensions',
  FEATURE_TAGGED: 'data-sl-event / data-sl-prop-* on elements (clicks) and forms (submits)',
  FEATURE_FORMS: 'every form submission: "Form: Submission" {form}',
  FEATURE_404: 'data-404 on the tag sends a "404" event with the pageview',
};
export const ALL_FEATURES = Object.keys(FEATURES);

/** The files built: `s.js` with the defaults, `s.full.js` with every feature. */
export const VARIANTS = [
  { name: 'default', file: 's.js', features: ['FEATURE_BFCACHE', 'FEATURE_PRERENDER'] },
  { name: 'full', file: 's.full.js', features: ALL_FEATURES },
];

/** Gzipped size as a server would send it; the larger of the default and the maximum level, so no setting beats the budget. */
export function gzipBytes(code) {
  return Math.max(gzipSync(code).length, gzipSync(code, { level: 9 }).length);
}

export async function compile(source, features) {
  const define = Object.fromEntries(ALL_FEATURES.map((flag) => [flag, String(features.includes(flag))]));
  // es2019: optional catch binding and object spread, but no `?.` (Safari < 13.1 would reject the whole file).
  const { code: plain } = await transform(source, { loader: 'ts', target: 'es2019', define, legalComments: 'none' });
  const { code } = await minify(plain, {
    ecma: 2019,
    toplevel: true,
    compress: { passes: 3, unsafe: true, unsafe_arrows: true, pure_getters: true, booleans_as_integers: false },
    mangle: { toplevel: true },
    format: { comments: false, wrap_func_args: false },
  });
  if (!code) throw new Error('terser produced no output');
  return code.endsWith(';') ? code.slice(0, -1) : code;
}

const STALE_VERSIONED = /^s(\.full)?\.[0-9a-f]{10}\.js(\.gz|\.br)?$/;

/**
 * Compiles every variant. With `outDir`, writes the files and `manifest.json` there.
 * @returns {Promise<Record<string, {file: string, versionedFile: string, sri: string, bytes: number, gzipBytes: number, brotliBytes: number, budget: number, features: string[]}>>}
 */
export async function buildTracker({ outDir } = {}) {
  const source = await readFile(join(here, 'src', 's.ts'), 'utf8');
  const manifest = {};
  if (outDir) {
    await mkdir(outDir, { recursive: true });
    // Versioned copies of earlier builds: the server serves every script in dist/, so stale ones must go.
    for (const name of await readdir(outDir))
      if (STALE_VERSIONED.test(name)) await rm(join(outDir, name), { force: true });
  }
  for (const variant of VARIANTS) {
    const code = await compile(source, variant.features);
    const buffer = Buffer.from(code);
    const contentHash = createHash('sha256').update(buffer).digest('hex').slice(0, 10);
    const versionedFile = variant.file.replace(/\.js$/, `.${contentHash}.js`);
    const gz = gzipSync(buffer, { level: 9 });
    const br = brotliCompressSync(buffer, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } });
    manifest[variant.name] = {
      file: variant.file,
      versionedFile,
      sri: `sha384-${createHash('sha384').update(buffer).digest('base64')}`,
      bytes: buffer.length,
      gzipBytes: gzipBytes(buffer),
      brotliBytes: br.length,
      budget: BUDGETS[variant.name],
      features: variant.features,
    };
    if (outDir) {
      for (const name of [variant.file, versionedFile]) {
        await writeFile(join(outDir, name), buffer);
        await writeFile(join(outDir, `${name}.gz`), gz);
        await writeFile(join(outDir, `${name}.br`), br);
      }
    }
  }
  if (outDir) await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const manifest = await buildTracker({ outDir: join(here, 'dist') });
  let overBudget = false;
  for (const [name, entry] of Object.entries(manifest)) {
    const over = entry.gzipBytes > entry.budget;
    overBudget ||= over;
    console.log(
      `${entry.file.padEnd(10)} ${String(entry.bytes).padStart(5)} B, ${entry.gzipBytes} B gzip, ${entry.brotliBytes} B brotli (budget ${entry.budget})${over ? '  OVER BUDGET' : ''}  -> ${entry.versionedFile} [${name}]`,
    );
  }
  if (overBudget) process.exitCode = 1;
}
