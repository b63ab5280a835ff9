/**
 * Tests that need an external tool (PostgreSQL, the AWS CLI) skip with a reason on a
 * machine that lacks it. CI sets BOSUN_REQUIRE_ALL_TESTS=1: there a missing tool makes
 * those tests run and fail instead, so CI never skips silently.
 */
export function skipUnless(available: boolean, reason: string): string | undefined {
  if (available) return undefined;
  if (process.env.BOSUN_REQUIRE_ALL_TESTS) return undefined;
  return reason;
}
