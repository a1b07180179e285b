/** Validation of `subscribe`/`unsubscribe` payloads (protocol section 7); never throws. */

import type { SubscribeRequest } from '@emostream/shared/protocol/messages';
import { subscribeRequestSchema } from '@emostream/shared/protocol/schemas';

export function validateSubscribeRequest(
  value: unknown,
): { ok: true; value: SubscribeRequest } | { ok: false; message: string } {
  const r = subscribeRequestSchema.safeParse(value);
  if (r.success) return { ok: true, value: r.data as SubscribeRequest };
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return { ok: false, message: `invalid subscribe request: ${issues.join('; ')}` };
}
