import type { Transport } from '../types';
import type { Widget } from './get-widget';

/** A create: POST, so never repeated by the transport except after a 429 (see retry/policy.ts). */
export async function createWidget(t: Transport, name: string): Promise<Widget> {
  return (await t.request<Widget>({ method: 'POST', path: '/widgets', body: { name } })).body;
}
