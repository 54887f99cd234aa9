import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
const m = await import('/work/main/packages/tracker/build.mjs');
const c = await m.compile(readFileSync('/work/main/packages/tracker/src/s.ts','utf8'), {});
const g = (s) => gzipSync(s,{level:9}).length;
console.log('raw', c.length, 'gz', g(c));
const cuts = JSON.parse(readFileSync('/work/main/packages/tracker/.scratch/cuts.json','utf8'));
for (const [k, parts] of Object.entries(cuts)) { let s=c; for (const p of parts) { if(!s.includes(p)) console.log('MISSING', k, p); s=s.replace(p,''); } console.log(k.padEnd(12), g(c)-g(s)); }
