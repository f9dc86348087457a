import { redact } from '../log/redact';

/**
 * Every unique metric name + dimension values is a CloudWatch custom metric billed per month, and
 * a label value in a Google or Azure metric: tags must stay low-cardinality. Call sites tag with
 * names from the configuration, enums and error codes; this guard is the backstop for a value
 * that comes from outside (an EventBridge event's source, say) or a future tag that carries an id.
 */

/** The EMF spec allows 30 dimensions per set; a line here has one set, the tags. */
export const MAX_TAGS = 30;
/** Distinct values kept per metric and tag in one instance; later new values become OTHER. */
export const MAX_VALUES = 100;
export const OTHER = 'other';
/**
 * Distinct tag-value combinations kept per metric in one instance. Capping each tag alone leaves
 * their product: two tags an event chooses (cloudfindings' source and detailType) would make up
 * to 101 x 101 series. Past this, a new combination is written with every value OTHER.
 */
export const MAX_SERIES = 1000;
/** Distinct metric names kept (names come from code: about 20 today); later new names are refused. */
export const MAX_NAMES = 200;

// Metric names become top-level members of an EMF line and CloudWatch metric names (255 at most).
const NAME = /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/;
// Tag names become top-level members (never `_aws`) and log-based-metric label keys.
const KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
// Printable ASCII only (CloudWatch dimension values are ASCII) and short.
const VALUE = /^[\x20-\x7e]{1,128}$/;
/**
 * Identifiers: a UUID, six digits or more (timestamps, account and ticket numbers), or 20 letters
 * and digits in a row that mix both (hashes, ULIDs, tokens). Configuration names stay shorter.
 */
const ID_LIKE = /[0-9a-f]{8}-[0-9a-f]{4}-|\d{6}|(?=[0-9A-Za-z]*\d)(?=[0-9A-Za-z]*[A-Za-z])[0-9A-Za-z]{20}/i;

export type Tags = Record<string, string>;

interface Seen {
  /** Per tag: raw value -> the value written. */
  tags: Map<string, Map<string, string>>;
  /** Hashes of the combinations written (a rare collision lets a new combination through uncounted). */
  series: Set<number>;
}

/** FNV-1a, 32 bits: a few bytes per combination instead of its text (up to 30 tags of 128 characters). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A tag value as it may appear on a line: redacted by the log rules, then bucketed. */
function admit(key: string, raw: unknown): string {
  const value = (redact({ [key]: String(raw) }) as Tags)[key]!;
  return VALUE.test(value) && value.trim() !== '' && !ID_LIKE.test(value) ? value : OTHER;
}

/**
 * Returns `check(name, tags)`: undefined for a name that cannot be a metric (the count is
 * dropped), else the tags to emit. Decisions are remembered per metric, tag and raw value, so a
 * steady-state count costs a few map lookups and no regular expression. Everything remembered is
 * bounded: MAX_NAMES names, per name MAX_TAGS tag names, MAX_SERIES combinations and MAX_VALUES
 * values per tag.
 */
export function tagGuard(maxValues = MAX_VALUES, maxSeries = MAX_SERIES, maxNames = MAX_NAMES): (name: string, tags: Tags | undefined) => Tags | undefined {
  const byName = new Map<string, Seen>();
  return (name, tags) => {
    let seen = byName.get(name);
    if (!seen) {
      if (byName.size >= maxNames || !NAME.test(name)) return undefined;
      byName.set(name, (seen = { tags: new Map(), series: new Set() }));
    }
    const out: Tags = {};
    if (!tags) return out;
    let kept = 0;
    let combination = '';
    for (const key in tags) {
      if (!Object.hasOwn(tags, key) || kept === MAX_TAGS) continue;
      let values = seen.tags.get(key);
      if (!values) {
        // A tag named like the metric would overwrite its value on an EMF line. Past MAX_TAGS
        // names, a new one is dropped: each set of names is a metric of its own in CloudWatch
        // (the series cap counts values, and cannot stop sets of names that differ).
        if (!KEY.test(key) || key === name || seen.tags.size === MAX_TAGS) continue;
        seen.tags.set(key, (values = new Map()));
      }
      const raw = tags[key]!;
      let value = values.get(raw);
      if (value === undefined) {
        value = values.size < maxValues ? admit(key, raw) : OTHER;
        if (values.size < maxValues) values.set(raw, value);
      }
      out[key] = value;
      combination += `${key}\0${value}\0`;
      kept += 1;
    }
    const id = hash(combination);
    if (!seen.series.has(id)) {
      if (seen.series.size < maxSeries) seen.series.add(id);
      else for (const key in out) out[key] = OTHER;
    }
    return out;
  };
}
