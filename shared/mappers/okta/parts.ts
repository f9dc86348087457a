/**
 * LogEvent parts -> OCSF objects: actor and target users, groups, the client endpoint, outcome
 * and severity. LogEvent: https://developer.okta.com/docs/reference/api/system-log/#logevent-object
 */
import { countryCode } from '../country';
import type { SeverityId } from '../ocsf';
import type { OcsfEndpoint, IamStatusId } from '../ocsf-iam';
import type { OcsfGroup, OcsfUser } from '../ocsf-objects';
import { arr, compact, lookup, num, obj, str, type Json } from '../read';

/** Okta actor types; OCSF user type_id 1 User, 3 System, 99 Other. */
const USER_TYPES: Record<string, number> = { User: 1, SystemPrincipal: 3 };

/** An actor or target ({id, type, alternateId, displayName}) as an OCSF user. */
export function userOf(v: unknown): OcsfUser | undefined {
  const u = obj(v);
  const uid = str(u?.id);
  if (u === undefined || uid === undefined) return undefined;
  const login = str(u.alternateId);
  const type = str(u.type);
  return compact({
    uid,
    name: login,
    full_name: str(u.displayName),
    email_addr: login?.includes('@') ? login : undefined,
    type,
    type_id: type === undefined ? undefined : lookup(USER_TYPES, type) ?? 99,
  });
}

/** A UserGroup target as an OCSF group: its display name is the group name. */
export function groupOf(v: unknown): OcsfGroup | undefined {
  const g = obj(v);
  const uid = str(g?.id);
  return uid === undefined ? undefined : compact({ uid, name: str(g?.displayName) ?? str(g?.alternateId) });
}

/** The first target of a type (User, UserGroup, AppInstance, ...). */
export const targetOf = (ev: Json, type: string): Json | undefined =>
  arr(ev.target).map(obj).find((t) => t?.type === type);

/**
 * The client's address and where Okta places it. Okta writes the country's name ("United States")
 * where OCSF's `country` holds the ISO 3166-1 alpha-2 code: the name becomes the code, and a name
 * that is no known country stays readable in `desc`.
 */
export function endpointOf(client: Json | undefined): OcsfEndpoint | undefined {
  const ip = str(client?.ipAddress);
  const geo = obj(client?.geographicalContext);
  const point = obj(geo?.geolocation);
  const [lat, lon] = [num(point?.lat), num(point?.lon)];
  const countryName = str(geo?.country);
  const country = countryName === undefined ? undefined : countryCode(countryName);
  const location = compact({
    city: str(geo?.city),
    region: str(geo?.state),
    country,
    desc: country === undefined ? countryName : undefined,
    postal_code: str(geo?.postalCode),
    coordinates: lat !== undefined && lon !== undefined ? [lon, lat] : undefined,
  });
  if (ip === undefined && Object.keys(location).length === 0) return undefined;
  return compact({ ip, location: Object.keys(location).length > 0 ? location : undefined });
}

/** Okta severities DEBUG, INFO, WARN, ERROR. */
const SEVERITIES: Record<string, SeverityId> = { DEBUG: 1, INFO: 1, WARN: 3, ERROR: 4 };
export const oktaSeverity = (v: unknown): SeverityId => lookup(SEVERITIES, v) ?? 0;

/** outcome.result: SUCCESS/ALLOW succeed, FAILURE/DENY fail, SKIPPED/CHALLENGE/UNKNOWN are Other. */
export function iamStatus(outcome: Json | undefined): { statusId: IamStatusId; status?: string; statusDetail?: string } {
  const result = str(outcome?.result);
  const statusDetail = str(outcome?.reason);
  if (result === undefined) return { statusId: 0, statusDetail };
  if (result === 'SUCCESS' || result === 'ALLOW') return { statusId: 1, statusDetail };
  if (result === 'FAILURE' || result === 'DENY') return { statusId: 2, statusDetail };
  return { statusId: 99, status: result, statusDetail };
}

/** Privileges named by a privilege grant or revoke (debugData privilegeGranted / privilegeRevoked). */
export function privilegesOf(ev: Json): string[] {
  const debug = obj(obj(ev.debugContext)?.debugData);
  const named = str(debug?.privilegeGranted) ?? str(debug?.privilegeRevoked) ?? '';
  return named.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
