import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);
const COMPRESSIBLE = /\.(js|css|svg|json|html|txt|webmanifest)$/;

/**
 * Writes `<file>.br` and `<file>.gz` beside every compressible asset, at the highest settings (too slow to do per
 * request), so the server sends precompressed bytes with no work at run time.
 */
function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'sightline-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async writeBundle(_options, bundle) {
      await Promise.all(
        Object.values(bundle).map(async (item) => {
          if (!COMPRESSIBLE.test(item.fileName) || item.fileName === 'index.html') return;
          const source = item.type === 'chunk' ? item.code : item.source;
          const bytes = typeof source === 'string' ? Buffer.from(source) : Buffer.from(source);
          if (bytes.length < 1024) return;
          const path = join(outDir, item.fileName);
          const [br, gz] = await Promise.all([
            brotli(bytes, {
              params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
            }),
            gzipAsync(bytes, { level: 9 }),
          ]);
          await Promise.all([writeFile(`${path}.br`, br), writeFile(`${path}.gz`, gz)]);
        }),
      );
    },
  };
}

/**
 * The dashboard is served under a strict CSP (script-src 'self'; style-src 'self'), so the build must not need any
 * inline script or style: no module-preload polyfill (it is injected as code), no assets inlined as data: URLs.
 */
export default defineConfig({
  plugins: [react(), precompress()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
  },
});
