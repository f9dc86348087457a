import { head } from '../../events/text-cut';

/**
 * Plain text as Atlassian Document Format, which API v3 requires for descriptions and comments
 * (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/): a `doc` of
 * paragraphs, one per block of text separated by a blank line, single newlines as `hardBreak`.
 * Text nodes must not be empty, so empty lines and blocks are dropped.
 */
export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfParagraph[];
}
type AdfInline = { type: 'text'; text: string } | { type: 'hardBreak' };
interface AdfParagraph {
  type: 'paragraph';
  content: AdfInline[];
}

/** Jira's limit on a rich-text field is 32,767 characters; the rest is cut, not refused. */
const MAX_TEXT = 32_000;

export function adf(text: string): AdfDoc {
  const blocks = head(text, MAX_TEXT).replace(/\r\n?/g, '\n').split(/\n\s*\n/);
  const content: AdfParagraph[] = [];
  for (const block of blocks) {
    const lines = block.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    const inline = lines.flatMap<AdfInline>((line, i) => (i === 0 ? [{ type: 'text', text: line }] : [{ type: 'hardBreak' }, { type: 'text', text: line }]));
    content.push({ type: 'paragraph', content: inline });
  }
  return { type: 'doc', version: 1, content };
}
