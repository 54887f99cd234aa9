import { describe, expect, it } from 'vitest';
import { countryName, describeChange, flagEmoji, formatDuration, formatLabel, formatMetric } from './format';

describe('numbers for the reader', () => {
  it('formats durations as hours, minutes and seconds', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(107)).toBe('1m 47s');
    expect(formatDuration(3720)).toBe('1h 2m');
    expect(formatDuration(-3)).toBe('0s');
  });

  it('formats each metric in its own unit', () => {
    expect(formatMetric('bounce_rate', 44)).toBe('44%');
    expect(formatMetric('visit_duration', 108)).toBe('1m 48s');
    expect(formatMetric('views_per_visit', 2.4712)).toBe('2.47');
    expect(formatMetric('visitors', 1234)).toBe('1,234');
    expect(formatMetric('pageviews', 14_234, { compact: true })).toBe('14.2K');
  });
});

describe('changes against the comparison period', () => {
  it('colours a rise in visitors good and a rise in bounce rate bad, with rates in points', () => {
    expect(describeChange('visitors', 12)).toMatchObject({ direction: 'up', tone: 'good', text: '12%' });
    expect(describeChange('bounce_rate', 3)).toMatchObject({ direction: 'up', tone: 'bad', text: '3 pts' });
    expect(describeChange('bounce_rate', -2.5)).toMatchObject({ direction: 'down', tone: 'good', text: '2.5 pts' });
    expect(describeChange('visitors', 0)).toMatchObject({ direction: 'flat', tone: 'neutral' });
    expect(describeChange('visitors', null)).toMatchObject({ text: 'new', tone: 'neutral' });
  });
});

describe('time bucket labels', () => {
  it("reads the API's wall-clock labels without shifting them into the viewer's zone", () => {
    expect(formatLabel('2024-03-31', 'day')).toBe('Mar 31');
    expect(formatLabel('2024-03-31 02:00:00', 'hour')).toBe('2 AM');
    expect(formatLabel('2024-03-01', 'month', true)).toBe('March 2024');
  });
});

describe('countries', () => {
  it('names a country code and draws its flag; anything else stays as it is', () => {
    expect(countryName('DE')).toBe('Germany');
    expect(countryName('')).toBe('Unknown');
    expect(flagEmoji('DE')).toBe('🇩🇪');
    expect(flagEmoji('<b>')).toBe('');
  });
});
