/**
 * Journal fields (work_notes, comments) show text between `[code]` and `[/code]` as HTML
 * ("Journal fields render text wrapped in code tags as HTML": Journal field type,
 * https://www.servicenow.com/docs/r/washingtondc/platform-administration/c_JournalFields.html),
 * so a finding's title or uid, which its sender chooses, could put a link, an image or a form of
 * its own in the record. In event values a zero-width space goes after the bracket of each such
 * tag (any case, spaces inside allowed): the text reads the same and is no tag. Applied to every
 * text value of the record, as an `extra` column may be a journal field; the configuration's own
 * text is left as written.
 */
const CODE_TAG = /\[(?=\s*\/?\s*code\s*\])/gi;

export const inertCodeTags = (text: string): string => text.replace(CODE_TAG, '[\u200B');
