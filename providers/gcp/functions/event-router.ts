import * as functions from '@google-cloud/functions-framework';
import { eventRouter } from '../../../functions/event-router/handler';
import { gcpDeps } from '../deps';
import { gcpPubSub } from '../pubsub';

functions.cloudEvent('eventRouter', gcpPubSub(eventRouter, gcpDeps));
