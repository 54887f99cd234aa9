#!/usr/bin/env node
/**
 * Generates src/map/world-shapes.json: every country of Natural Earth's 1:110m map (npm `world-atlas`, public
 * domain data) as one compact SVG path in the Equal Earth projection, keyed by ISO 3166-1 alpha-2 code (the code
 * Sightline stores for a visit's country).
 *
 * The output is committed, so building the dashboard needs neither package; run this again only to change the map:
 *   node packages/dashboard/scripts/build-world-map.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { feature } = require('topojson-client');
const topology = JSON.parse(readFileSync(require.resolve('world-atlas/countries-110m.json'), 'utf8'));

/** ISO 3166-1 numeric → alpha-2 for every country the 110m map draws (world-atlas ids are the numeric codes). */
const NUMERIC_TO_ALPHA2 = {
  '004': 'AF',
  '008': 'AL',
  '010': 'AQ',
  '012': 'DZ',
  '024': 'AO',
  '031': 'AZ',
  '032': 'AR',
  '036': 'AU',
  '040': 'AT',
  '044': 'BS',
  '050': 'BD',
  '051': 'AM',
  '056': 'BE',
  '064': 'BT',
  '068': 'BO',
  '070': 'BA',
  '072': 'BW',
  '076': 'BR',
  '084': 'BZ',
  '090': 'SB',
  '096': 'BN',
  100: 'BG',
  104: 'MM',
  108: 'BI',
  112: 'BY',
  116: 'KH',
  120: 'CM',
  124: 'CA',
  140: 'CF',
  144: 'LK',
  148: 'TD',
  152: 'CL',
  156: 'CN',
  158: 'TW',
  170: 'CO',
  178: 'CG',
  180: 'CD',
  188: 'CR',
  191: 'HR',
  192: 'CU',
  196: 'CY',
  203: 'CZ',
  204: 'BJ',
  208: 'DK',
  214: 'DO',
  218: 'EC',
  222: 'SV',
  226: 'GQ',
  231: 'ET',
  232: 'ER',
  233: 'EE',
  238: 'FK',
  242: 'FJ',
  246: 'FI',
  250: 'FR',
  260: 'TF',
  262: 'DJ',
  266: 'GA',
  268: 'GE',
  270: 'GM',
  275: 'PS',
  276: 'DE',
  288: 'GH',
  300: 'GR',
  304: 'GL',
  320: 'GT',
  324: 'GN',
  328: 'GY',
  332: 'HT',
  340: 'HN',
  348: 'HU',
  352: 'IS',
  356: 'IN',
  360: 'ID',
  364: 'IR',
  368: 'IQ',
  372: 'IE',
  376: 'IL',
  380: 'IT',
  384: 'CI',
  388: 'JM',
  392: 'JP',
  398: 'KZ',
  400: 'JO',
  404: 'KE',
  408: 'KP',
  410: 'KR',
  414: 'KW',
  417: 'KG',
  418: 'LA',
  422: 'LB',
  426: 'LS',
  428: 'LV',
  430: 'LR',
  434: 'LY',
  440: 'LT',
  442: 'LU',
  450: 'MG',
  454: 'MW',
  458: 'MY',
  466: 'ML',
  478: 'MR',
  484: 'MX',
  496: 'MN',
  498: 'MD',
  499: 'ME',
  504: 'MA',
  508: 'MZ',
  512: 'OM',
  516: 'NA',
  524: 'NP',
  528: 'NL',
  540: 'NC',
  548: 'VU',
  554: 'NZ',
  558: 'NI',
  562: 'NE',
  566: 'NG',
  578: 'NO',
  586: 'PK',
  591: 'PA',
  598: 'PG',
  600: 'PY',
  604: 'PE',
  608: 'PH',
  616: 'PL',
  620: 'PT',
  624: 'GW',
  626: 'TL',
  630: 'PR',
  634: 'QA',
  642: 'RO',
  643: 'RU',
  646: 'RW',
  682: 'SA',
  686: 'SN',
  688: 'RS',
  694: 'SL',
  703: 'SK',
  704: 'VN',
  705: 'SI',
  706: 'SO',
  710: 'ZA',
  716: 'ZW',
  724: 'ES',
  728: 'SS',
  729: 'SD',
  732: 'EH',
  740: 'SR',
  748: 'SZ',
  752: 'SE',
  756: 'CH',
  760: 'SY',
  762: 'TJ',
  764: 'TH',
  768: 'TG',
  780: 'TT',
  784: 'AE',
  788: 'TN',
  792: 'TR',
  795: 'TM',
  800: 'UG',
  804: 'UA',
  807: 'MK',
  818: 'EG',
  826: 'GB',
  834: 'TZ',
  840: 'US',
  854: 'BF',
  858: 'UY',
  860: 'UZ',
  862: 'VE',
  887: 'YE',
  894: 'ZM',
};
/** Shapes without a numeric code in the data: drawn as the country a geolocation database reports for them. */
const NAME_TO_ALPHA2 = { Kosovo: 'XK', Somaliland: 'SO', 'N. Cyprus': 'CY' };
/** Antarctica takes a sixth of the map and no visitors. */
const SKIP = new Set(['AQ']);

// Equal Earth projection (Šavrič, Patterson, Jenny 2018): equal-area, so big countries do not dominate by distortion.
const A1 = 1.340264;
const A2 = -0.081106;
const A3 = 0.000893;
const A4 = 0.003796;
const M = Math.sqrt(3) / 2;
function equalEarth(lon, lat) {
  const lambda = (lon * Math.PI) / 180;
  const phi = (lat * Math.PI) / 180;
  const theta = Math.asin(M * Math.sin(phi));
  const t2 = theta * theta;
  const t6 = t2 * t2 * t2;
  const x = (lambda * Math.cos(theta)) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)));
  const y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2));
  return [x, y];
}

const WIDTH = 1000;
const [maxX] = equalEarth(180, 0);
const scale = WIDTH / 2 / maxX;
// Crop at 60°S (no Antarctica) and 84°N.
const top = equalEarth(0, 84)[1] * scale;
const bottom = equalEarth(0, -60)[1] * scale;
const HEIGHT = Math.round(top - bottom);
const project = ([lon, lat]) => {
  const [x, y] = equalEarth(lon, lat);
  return [Math.round(x * scale + WIDTH / 2), Math.round(top - y * scale)];
};

/**
 * One ring as an absolute move then relative integer steps; repeated points dropped. A ring that crosses the
 * antimeridian (Fiji, Chukotka) is unwrapped eastwards so it never streaks across the whole map; the part past the
 * edge is cut by the viewBox.
 */
function ringPath(ring) {
  const lons = ring.map(([lon]) => lon);
  const wraps = Math.max(...lons) - Math.min(...lons) > 180;
  let d = '';
  let last;
  let steps = 0;
  for (const [lon, lat] of ring) {
    const point = [wraps && lon < 0 ? lon + 360 : lon, lat];
    const [x, y] = project(point);
    if (last === undefined) {
      d += `M${x} ${y}`;
    } else {
      const dx = x - last[0];
      const dy = y - last[1];
      if (dx === 0 && dy === 0) continue;
      d += `${steps === 0 ? 'l' : ''}${dx < 0 || steps === 0 ? '' : ' '}${dx}${dy < 0 ? '' : ' '}${dy}`;
      steps++;
    }
    last = [x, y];
  }
  return steps >= 2 ? `${d}z` : '';
}

const shapes = {};
for (const country of feature(topology, topology.objects.countries).features) {
  const code = NUMERIC_TO_ALPHA2[country.id] ?? NAME_TO_ALPHA2[country.properties.name];
  if (code === undefined) throw new Error(`No ISO code for ${country.id} ${country.properties.name}`);
  if (SKIP.has(code)) continue;
  const polygons = country.geometry.type === 'Polygon' ? [country.geometry.coordinates] : country.geometry.coordinates;
  const d = polygons
    .flat()
    .map(ringPath)
    .filter((part) => part !== '')
    .join('');
  if (d !== '') shapes[code] = (shapes[code] ?? '') + d;
}

const out = join(dirname(fileURLToPath(import.meta.url)), '../src/map/world-shapes.json');
writeFileSync(out, `${JSON.stringify({ width: WIDTH, height: HEIGHT, shapes })}\n`);
console.log(`wrote ${Object.keys(shapes).length} countries, ${readFileSync(out).length} bytes to ${out}`);
