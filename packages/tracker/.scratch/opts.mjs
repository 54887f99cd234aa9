import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { transform } from 'esbuild';
import { minify } from 'terser';
const m = await import('/work/main/packages/tracker/build.mjs');
const src = readFileSync('/work/main/packages/tracker/src/s.ts','utf8');
const g = (s) => gzipSync(s,{level:9}).length;
for (const feats of [{}, Object.fromEntries(m.ALL_FEATURES.map(f=>[f,true]))]) {
  const define = Object.fromEntries(m.ALL_FEATURES.map((f) => [f, String(Boolean(feats[f]))]));
  const { code: plain } = await transform(src, { loader: 'ts', target: 'es2019', define });
  const cfgs = {
    cur: { ecma: 2019, toplevel: true, compress: { passes: 3, unsafe: true, unsafe_arrows: true, pure_getters: true }, mangle: { toplevel: true } },
    more: { ecma: 2019, toplevel: true, compress: { passes: 5, unsafe: true, unsafe_arrows: true, pure_getters: true, unsafe_comps: true, unsafe_math: true, unsafe_methods: true, hoist_funs: true, hoist_vars: true, reduce_funcs: true }, mangle: { toplevel: true } },
    p1: { ecma: 2019, toplevel: true, compress: { passes: 1, unsafe: true, pure_getters: true }, mangle: { toplevel: true } },
  };
  for (const [k, c] of Object.entries(cfgs)) { const o = (await minify(plain, c)).code; console.log(k, o.length, g(o)); }
  const e = await transform(src, { loader: 'ts', target: 'es2019', define, minify: true });
  console.log('esbuild', e.code.length, g(e.code));
}
