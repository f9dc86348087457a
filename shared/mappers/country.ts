/**
 * Country names -> ISO 3166-1 alpha-2 codes. OCSF `location.country` holds the code
 * (https://schema.ocsf.io/1.3.0/objects/location), while some senders write the English name:
 * Okta's System Log `geographicalContext.country` says "United States".
 *
 * The table is CLDR's English region names as the runtime's ICU knows them (Intl.DisplayNames),
 * long and short forms ("United Kingdom", "UK"), read backwards and built once on first use. A
 * name is mapped only when exactly one code has it; anything else is no code, and callers keep the
 * name where free text is allowed.
 */

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Codes CLDR names that ISO 3166-1 has not assigned to a country: the user-assigned ranges (AA,
 * QM-QZ, XA-XZ, ZZ: CLDR's "Outlying Oceania", "Kosovo", pseudo-locales) and the exceptional or
 * transitional reservations (EU, EZ, UN, AC, CP, DG, EA, IC, TA).
 */
const notIso = (code: string): boolean =>
  code === 'AA' || code === 'ZZ' || (code[0] === 'Q' && code >= 'QM') || code[0] === 'X' ||
  ['EU', 'EZ', 'UN', 'AC', 'CP', 'DG', 'EA', 'IC', 'TA'].includes(code);

/**
 * One spelling for the variants the same name comes in: case, accents ("Côte d’Ivoire",
 * "Cote d'Ivoire"), "&" or "and", "St." or "Saint", a leading "The", punctuation and spacing.
 */
export function normalizeCountryName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replace(/\bst\b/g, 'saint')
    .replace(/\bthe\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * English names in common use that CLDR spells otherwise: former and formal names, and the
 * spellings of GeoIP databases (which identity providers' geolocation comes from), e.g. MaxMind's
 * "Hashemite Kingdom of Jordan". Each names one country beyond doubt; CLDR's own names win.
 */
const ALIASES: Readonly<Record<string, string>> = {
  'United States of America': 'US', Turkey: 'TR', 'Czech Republic': 'CZ', Burma: 'MM', Swaziland: 'SZ',
  Macedonia: 'MK', 'Ivory Coast': 'CI', 'East Timor': 'TL', 'Holy See': 'VA', 'Republic of Korea': 'KR',
  'Korea, Republic of': 'KR', 'DR Congo': 'CD', 'Democratic Republic of the Congo': 'CD',
  'Republic of the Congo': 'CG', 'Congo Republic': 'CG', 'Hashemite Kingdom of Jordan': 'JO',
  'Republic of Lithuania': 'LT', 'Republic of Moldova': 'MD', 'Russian Federation': 'RU', 'Viet Nam': 'VN',
  'Syrian Arab Republic': 'SY', 'Iran, Islamic Republic of': 'IR', 'Brunei Darussalam': 'BN', Macau: 'MO',
  'Federated States of Micronesia': 'FM', 'Palestinian Territory': 'PS', 'Bonaire, Sint Eustatius, and Saba': 'BQ',
  'Heard Island and McDonald Islands': 'HM',
};

/** Region codes whose canonical form is themselves: drops aliases such as UK (GB) and BU (MM). */
function isCanonical(code: string): boolean {
  try {
    return new Intl.Locale(`und-${code}`).region === code;
  } catch {
    return false;
  }
}

interface Table {
  codes: Set<string>;
  /** Normalized name -> code; null where two codes share the name. */
  names: Map<string, string | null>;
}

let table: Table | undefined;

function build(): Table {
  const forms = (['long', 'short'] as const).map((style) => new Intl.DisplayNames(['en'], { type: 'region', style, fallback: 'none' }));
  const codes = new Set<string>();
  const names = new Map<string, string | null>();
  for (const a of LETTERS) {
    for (const b of LETTERS) {
      const code = a + b;
      if (notIso(code) || !isCanonical(code)) continue;
      const spelled = forms.map((f) => f.of(code)).filter((n): n is string => n !== undefined);
      if (spelled.length === 0) continue;
      codes.add(code);
      for (const key of new Set(spelled.map(normalizeCountryName))) {
        const seen = names.get(key);
        names.set(key, seen === undefined || seen === code ? code : null);
      }
    }
  }
  for (const [alias, code] of Object.entries(ALIASES)) {
    const key = normalizeCountryName(alias);
    if (codes.has(code) && !names.has(key)) names.set(key, code);
  }
  return { codes, names };
}

/**
 * The ISO 3166-1 alpha-2 code of a country name (or of a code already), e.g. "United States" ->
 * "US", "Bosnia and Herzegovina" -> "BA"; undefined when it names no country or more than one.
 */
export function countryCode(name: string): string | undefined {
  table ??= build();
  const trimmed = name.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed) && table.codes.has(trimmed.toUpperCase())) return trimmed.toUpperCase();
  return table.names.get(normalizeCountryName(trimmed)) ?? undefined;
}
