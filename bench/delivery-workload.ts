import type { CloudEvent } from '../shared/events/cloudevent';

/**
 * The delivery bench's workload, shared by the parent and every child run: how many deliveries,
 * at what concurrency, the event each one carries, and the result a child reports.
 */
export const N = 5000;
export const CONCURRENCY = 32;
/** Untimed deliveries first in every child, so the JIT and the connection pool are warm. */
export const WARMUP = 500;
export const ROUNDS = 3;
export const MB = 1024 * 1024;

export type Side = 'sqlite' | 'memory' | 'undici';
export const SIDES: readonly Side[] = ['sqlite', 'memory', 'undici'];

export interface RunResult {
  side: Side;
  /** Requests the child sent in all (warm-up included): the receiver must have seen exactly these. */
  sent: number;
  perSecond: number;
  peakRssMB: number;
  startRssMB: number;
  fanOutPerSecond?: number;
  bodyBytes: number;
}

/** A security finding as the router hands it to fan-out (~1 KB as JSON). */
export function finding(i: number): CloudEvent {
  return {
    specversion: '1.0',
    id: `bench-evt-${String(i).padStart(8, '0')}`,
    source: 'secorch/github',
    type: 'secorch.finding.created',
    time: '2026-01-01T00:00:00.000Z',
    subject: 'acme/payments-api',
    datacontenttype: 'application/json',
    tenant: 'default',
    origin: 'webhook:github',
    data: {
      class_uid: 2004,
      category_uid: 2,
      activity_id: 1,
      severity_id: 4,
      severity: 'High',
      status: 'New',
      time: 1767225600000,
      finding_info: {
        uid: `github:acme/payments-api:code_scanning:${1000 + i}`,
        title: 'Database query built from user-controlled sources',
        desc: 'Building a SQL or Java Persistence query from user-controlled sources is vulnerable to insertion of malicious code by the user.',
        types: ['code_scanning', 'CWE-089'],
        src_url: `https://github.com/acme/payments-api/security/code-scanning/${1000 + i}`,
      },
      resources: [{ type: 'repository', uid: 'acme/payments-api', name: 'payments-api', data: { ref: 'refs/heads/main', path: 'src/main/java/com/acme/payments/LedgerDao.java', line: 118 } }],
      metadata: { product: { name: 'CodeQL', vendor_name: 'GitHub', version: '2.20.1' }, version: '1.3.0' },
      unmapped: { rule: 'java/sql-injection', tool: 'CodeQL', state: 'open' },
    },
  };
}
