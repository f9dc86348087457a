/**
 * The Okta mapper: an event hook delivery (https://developer.okta.com/docs/concepts/event-hooks/)
 * batches System Log events (LogEvent: https://developer.okta.com/docs/reference/api/system-log/#logevent-object);
 * each becomes one event: an OCSF IAM event typed secorch.iam.<class> for the identity event
 * types of ./classes, else the LogEvent itself as secorch.webhook.received. The subject is
 * `okta:<eventType>` and the key Okta's event uuid, which Okta documents as the way to detect
 * duplicate deliveries. A bare LogEvent (e.g. replayed from the System Log API) maps the same way.
 */
import { EVENT_TYPES } from '../../events/cloudevent';
import { OCSF_VERSION } from '../ocsf';
import { buildIamEvent, IAM_CLASS } from '../ocsf-iam';
import { arr, compact, epochMs, obj, str, type Json } from '../read';
import type { AnyMapper, MappedEvent, MapperInput } from '../types';
import { oktaClass } from './classes';
import { endpointOf, groupOf, iamStatus, oktaSeverity, privilegesOf, targetOf, userOf } from './parts';

/** The OCSF event of an identity event type, or undefined when a required entity is missing. */
function iamData(ev: Json, eventType: string, time: number, input: MapperInput): Json | undefined {
  const cls = oktaClass(eventType);
  if (cls === undefined) return undefined;
  const actor = userOf(ev.actor);
  const targetUser = userOf(targetOf(ev, 'User'));
  // The actor is the user only where the user acts on themselves (signing in, changing their own
  // account). In a grant or a membership change the actor is the admin who did it: named as the
  // user, a rule suspending `data.user` would suspend the admin.
  const selfService = cls.cls === IAM_CLASS.authentication || cls.cls === IAM_CLASS.accountChange;
  const user = targetUser ?? (selfService && obj(ev.actor)?.type === 'User' ? actor : undefined);
  const group = groupOf(targetOf(ev, 'UserGroup'));
  const client = obj(ev.client);
  const auth = obj(ev.authenticationContext);
  const sessionId = str(auth?.externalSessionId);
  const app = targetOf(ev, 'AppInstance');
  const userAgent = str(obj(client?.userAgent)?.rawUserAgent);
  if (cls.cls === IAM_CLASS.groupManagement ? group === undefined : user === undefined) return undefined;
  return buildIamEvent({
    cls: cls.cls,
    activityId: cls.activityId,
    severityId: oktaSeverity(ev.severity),
    ...iamStatus(obj(ev.outcome)),
    time,
    message: str(ev.displayMessage),
    actor: actor && { user: actor },
    user,
    group,
    privileges: cls.privileges === true ? privilegesOf(ev) : undefined,
    src_endpoint: endpointOf(client),
    http_request: userAgent === undefined ? undefined : { user_agent: userAgent },
    extra: cls.cls === IAM_CLASS.authentication ? compact({
      session: sessionId === undefined ? undefined : { uid: sessionId },
      is_mfa: eventType === 'user.authentication.auth_via_mfa' ? true : undefined,
      service: app && compact({ uid: str(app.id), name: str(app.displayName) }),
    }) : undefined,
    metadata: compact({
      version: OCSF_VERSION,
      product: { name: 'Okta', vendor_name: 'Okta' },
      uid: str(ev.uuid),
      event_code: eventType,
      original_time: str(ev.published),
      logged_time: input.receivedAt,
      correlation_uid: str(obj(ev.transaction)?.id),
    }),
    unmapped: str(ev.legacyEventType) === undefined ? undefined : { legacy_event_type: str(ev.legacyEventType) },
  });
}

/** One LogEvent; undefined when it has no event type, uuid or valid publication time. */
function mapLogEvent(v: unknown, input: MapperInput): MappedEvent | undefined {
  const ev = obj(v);
  const eventType = str(ev?.eventType);
  const uuid = str(ev?.uuid);
  const time = epochMs(ev?.published);
  if (ev === undefined || eventType === undefined || uuid === undefined || time === undefined) return undefined;
  const iam = iamData(ev, eventType, time, input);
  const cls = iam === undefined ? undefined : oktaClass(eventType);
  return {
    type: cls?.cls.type ?? EVENT_TYPES.webhookReceived,
    subject: `okta:${eventType}`,
    time: new Date(time).toISOString(),
    data: iam ?? ev,
    key: uuid,
  };
}

export const oktaMapper: AnyMapper = (input) => {
  const payload = obj(input.payload);
  if (payload === undefined) return undefined;
  const events = obj(payload.data)?.events;
  if (!Array.isArray(events)) return payload.eventType === 'com.okta.event_hook' ? undefined : mapLogEvent(payload, input);
  const mapped = arr(events).map((e) => mapLogEvent(e, input)).filter((e): e is MappedEvent => e !== undefined);
  return mapped.length > 0 ? mapped : undefined;
};
