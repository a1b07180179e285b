/**
 * Running the repository's own commands from tests, as a user runs them: `run` is `execFile` as a
 * promise, from the repository root (`root`) with its `tsx` (`tsx`).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const root = fileURLToPath(new URL('../..', import.meta.url));
export const tsx = join(root, 'node_modules', '.bin', 'tsx');
