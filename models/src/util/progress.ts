/** Progress with ETA; see `@emostream/shared/cli/progress`. */
export { type Progress, progress } from '@emostream/shared/cli/progress';
