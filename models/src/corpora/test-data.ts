/**
 * Where the shared corpora live, for tests. They are read in place beside the repository, never
 * copied into it; `EMOSTREAM_DATA` points elsewhere.
 */
import { join } from 'node:path';
import { DATA_DIR } from '@emostream/shared/testing/corpus';

export { DATA_DIR };

/** Absolute path of the RAVDESS copy. */
export const RAVDESS_DIR: string = join(DATA_DIR, 'ravdess');

/** Absolute path of the EmoDB copy. */
export const EMODB_DIR: string = join(DATA_DIR, 'emodb');
