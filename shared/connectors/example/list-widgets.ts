import { cursorPages } from '../paginate/cursor';
import { at, type Pages } from '../paginate/types';
import type { Transport } from '../types';
import type { Widget } from './get-widget';

/** Every widget, a page at a time; `startCursor` resumes a listing that stopped midway. */
export function listWidgets(t: Transport, opts: { pageSize?: number; startCursor?: string } = {}): Pages<Widget> {
  return cursorPages<Widget>(t, {
    request: { path: '/widgets', query: { limit: opts.pageSize ?? 100 } },
    cursorParam: 'cursor',
    items: (body) => (at(body, 'widgets') as Widget[] | undefined) ?? [],
    nextCursor: (body) => at(body, 'next_cursor') as string | undefined,
    startCursor: opts.startCursor,
  });
}
