/**
 * Where the shared corpora live, for tests. They are read in place beside the repository, never
 * copied into it; `EMOSTREAM_DATA` points elsewhere.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the corpora folder (`/work/shared/data` in the standard checkout). */
export const DATA_DIR: string =
  process.env.EMOSTREAM_DATA ?? fileURLToPath(new URL('../../../../shared/data', import.meta.url));

/** Absolute path of the RAVDESS copy. */
export const RAVDESS_DIR: string = join(DATA_DIR, 'ravdess');

/** Absolute path of the EmoDB copy. */
export const EMODB_DIR: string = join(DATA_DIR, 'emodb');
