import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../domain/event.js';
import { utmFrom } from './utm.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Long strings made by repeating a short random one: cheap to generate, still past every cap. */
const longString = fc
  .tuple(fc.string({ unit: codeUnit, minLength: 1, maxLength: 16 }), fc.integer({ min: 300, max: 1200 }))
  .map(([chunk, times]) => chunk.repeat(times));

describe('utmFrom', () => {
  it('reads the five utm parameters, decoded', () => {
    expect(
      utmFrom(
        'utm_source=newsletter&utm_medium=email&utm_campaign=spring%20sale&utm_content=hero+button&utm_term=analytics',
      ),
    ).toEqual({
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'spring sale',
      utm_content: 'hero button',
      utm_term: 'analytics',
      click_id_param: '',
    });
  });

  it('falls back to source= and then ref= for the source, like Plausible', () => {
    expect(utmFrom('ref=producthunt').utm_source).toBe('producthunt');
    expect(utmFrom('ref=producthunt&source=hn').utm_source).toBe('hn');
    expect(utmFrom('ref=producthunt&utm_source=twitter').utm_source).toBe('twitter');
  });

  it('reports which click id is present, never its value', () => {
    expect(utmFrom('gclid=Cj0KCQiA&x=1').click_id_param).toBe('gclid');
    expect(utmFrom('fbclid=IwAR3x').click_id_param).toBe('fbclid');
    expect(utmFrom('ScCid=abc').click_id_param).toBe('sccid');
    expect(utmFrom('li_fat_id=abc').click_id_param).toBe('li_fat_id');
    expect(utmFrom('msclkid=abc&fbclid=def').click_id_param).toBe('msclkid');
    expect(utmFrom('gclid=').click_id_param).toBe('');
    expect(JSON.stringify(utmFrom('gclid=SECRET123'))).not.toContain('SECRET123');
  });

  it('takes the first non-empty value, trims it and accepts a leading ?', () => {
    expect(utmFrom('?utm_source=&utm_source=%20google%20&utm_source=bing').utm_source).toBe('google');
    expect(utmFrom('UTM_Medium=cpc').utm_medium).toBe('cpc');
  });

  it('caps every value at LIMITS.utm', () => {
    expect(utmFrom(`utm_campaign=${'x'.repeat(1000)}`).utm_campaign.length).toBe(LIMITS.utm);
  });

  it('tolerates broken percent-encoding', () => {
    expect(utmFrom('utm_source=%E0%A4%A&utm_medium=100%').utm_medium).toBe('100%');
  });

  it('never throws and always respects the caps, whatever the input', () => {
    const param = fc.tuple(
      fc.constantFrom(
        'utm_source',
        'utm_medium',
        'utm_campaign',
        'utm_content',
        'utm_term',
        'ref',
        'source',
        'gclid',
        'x',
      ),
      fc.oneof(fc.string({ unit: codeUnit, maxLength: 50 }), longString),
    );
    const query = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 500 }),
      fc.array(param, { maxLength: 8 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
    );
    fc.assert(
      fc.property(query, (q) => {
        const fields = utmFrom(q);
        for (const [name, value] of Object.entries(fields)) {
          expect(value.length).toBeLessThanOrEqual(name === 'click_id_param' ? 20 : LIMITS.utm);
          expect(LONE_SURROGATE.test(value)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });
});
