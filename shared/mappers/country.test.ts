import { countryCode, normalizeCountryName } from './country';

// Names as identity providers and GeoIP databases write them; codes per ISO 3166-1 alpha-2.
describe('countryCode', () => {
  test.each([
    ['United States', 'US'], ['Canada', 'CA'], ['united kingdom', 'GB'], ['UK', 'GB'], ['  Germany ', 'DE'],
    ['Bosnia & Herzegovina', 'BA'], ['Bosnia and Herzegovina', 'BA'], ['Côte d’Ivoire', 'CI'], ["Cote d'Ivoire", 'CI'],
    ['Saint Kitts and Nevis', 'KN'], ['St. Kitts & Nevis', 'KN'], ['The Netherlands', 'NL'], ['Hong Kong', 'HK'],
    ['South Korea', 'KR'], ['Myanmar', 'MM'], ['Turkey', 'TR'], ['Czech Republic', 'CZ'], ['Hashemite Kingdom of Jordan', 'JO'],
    ['us', 'US'], ['DE', 'DE'],
  ])('%s -> %s', (name, code) => {
    expect(countryCode(name)).toBe(code);
  });

  test.each([
    // Two countries are called Congo; Kosovo's XK and the EU's EU are not ISO 3166-1 assignments;
    // Canary Islands (IC) is only an exceptional reservation; UN is no country.
    'Congo', 'Kosovo', 'European Union', 'Canary Islands', 'UN', 'United Nations',
    // Neither names nor codes of a country, including what a plain object lookup would answer.
    'Atlantis', '', 'XX', 'ZZ', 'constructor', '__proto__', 'toString',
  ])('%j has no code', (name) => {
    expect(countryCode(name)).toBeUndefined();
  });

  test('normalization: case, accents, "&", "St.", a leading "The", punctuation and spacing', () => {
    expect(normalizeCountryName('  The Bahamas ')).toBe('bahamas');
    expect(normalizeCountryName('St. Vincent & Grenadines')).toBe('saint vincent and grenadines');
    expect(normalizeCountryName('Curaçao')).toBe('curacao');
  });
});
