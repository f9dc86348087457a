/** Jira Cloud connector: a `type: jira` destination (one issue per finding) and its operations. */
export { jiraDestinationSchema, type JiraConfig } from './config';
export { jiraDestination } from './destination';
export { jiraTransport, type JiraConnection } from './transport';
export { jiraTickets } from './tickets';
export { createIssue, type CreatedIssue, type NewIssue } from './create-issue';
export { addComment } from './add-comment';
export { listTransitions, type JiraTransition } from './list-transitions';
export { transitionIssue } from './transition-issue';
export { searchIssues, type IssueSearch, type SearchedIssue } from './search-issues';
export { setIssueProperty } from './set-property';
export { getIssueStatus } from './get-issue';
export { accountTimeZone } from './myself';
export { FINDING_PROPERTY, MARK_LABEL, uidLabel } from './uid';
export { STATUS_CHANGED } from './status-change';
