import * as z from 'zod/mini';
import { chatTemplates } from '../slack/config';

/**
 * `type: teams` destination: a channel's incoming webhook, either a Workflows (Power Automate)
 * flow "Post to a channel when a webhook request is received"
 * (https://support.microsoft.com/office/8ae491c7-0394-4861-ba59-055e33f75498) or a legacy
 * Office 365 connector (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook).
 * The URL is the credential (its `sig` or path authorizes the post): it arrives resolved from
 * `${VAR}` or `secret://name`, is not validated as a URL here (builds check with placeholders),
 * and never shows in errors or logs. Title, text, link and facts are templates, as for Slack.
 */
const nonEmpty = z.string().check(z.minLength(1));

export const teamsDestinationSchema = z.strictObject({
  type: z.literal('teams'),
  webhookUrl: nonEmpty,
  ...chatTemplates,
});

export type TeamsConfig = z.output<typeof teamsDestinationSchema>;
