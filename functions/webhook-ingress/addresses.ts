import { AppError } from '../../shared/errors';
import { type CidrList, contains, parseCidrList } from '../../shared/net/cidr';

export type AddressList = CidrList;

export const addressList = (cidrs: string[]): AddressList => parseCidrList(cidrs);

/**
 * The per-source address allowlist. The address is the one the platform reported (API Gateway
 * sourceIp, trusted X-Forwarded-For hops), so a forged header cannot pass; a request whose
 * address the platform did not report is refused when a list is configured.
 */
export function checkAddress(allow: AddressList | undefined, ip: string | undefined): void {
  if (!allow) return;
  if (ip === undefined || !contains(allow, ip)) {
    throw new AppError('address_not_allowed', 'The client address is not allowed to call this source', { status: 403 });
  }
}
