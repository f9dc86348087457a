import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The shared fixtures live beside the checkout (../shared/fixtures), read-only; see
 * ../shared/fixtures/SOURCES.md for each file's origin and license.
 */
export const FIXTURES = resolve(__dirname, '..', '..', 'shared', 'fixtures');

export const fixturePath = (rel: string): string => join(FIXTURES, rel);
export const fixtureBytes = (rel: string): Buffer => readFileSync(fixturePath(rel));
export const fixtureJson = <T = unknown>(rel: string): T => JSON.parse(readFileSync(fixturePath(rel), 'utf8')) as T;
