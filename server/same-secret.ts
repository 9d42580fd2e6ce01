import { timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented secret with the expected one in constant time, so response timing does
 * not leak a prefix match; anything but a string is simply unequal. The one comparison behind
 * the admin token and the agents' credentials.
 */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // timingSafeEqual needs equal lengths; comparing b with itself keeps the time independent of a.
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}
