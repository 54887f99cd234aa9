import { readFile } from 'node:fs/promises';
import { compile, ALL_FEATURES, gzipBytes } from '/work/main/packages/tracker/build.mjs';
const src = await readFile('/work/main/packages/tracker/src/s.ts','utf8');
const all = ALL_FEATURES;
const base = gzipBytes(await compile(src, []));
const full = gzipBytes(await compile(src, all));
console.log('none', base, 'all', full);
for (const f of ALL_FEATURES) {
  const on = gzipBytes(await compile(src, [f]));
  const off = gzipBytes(await compile(src, all.filter(x=>x!==f)));
  console.log(f.padEnd(24), 'alone +', on-base, '  from full -', full-off);
}
