import type { Transport } from '../types';
import { path } from '../url';

export interface Widget {
  id: string;
  name: string;
}

/** A lookup that may miss: 404 is an answer here (undefined), not an error. */
export async function getWidget(t: Transport, id: string): Promise<Widget | undefined> {
  const res = await t.request<Widget>({ path: path`/widgets/${id}`, allowStatus: [404] });
  return res.status === 404 ? undefined : res.body;
}
