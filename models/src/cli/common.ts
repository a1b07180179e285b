/**
 * Helpers shared by the `train`, `evaluate` and `export` commands: loading corpora from folders and
 * manifests, and resolving paths against the directory the user ran npm from.
 */
import { resolve } from 'node:path';
import { loadManifest } from '../corpora/manifest.ts';
import { scanCorpus } from '../corpora/scan.ts';
import { parseSpeakerList, type ResolvedSplit, resolveSplitOptions } from '../corpora/split.ts';
import type { CorpusItem, CorpusName, RejectedFile } from '../corpora/types.ts';

/** npm runs scripts in the package folder; `INIT_CWD` is where the user typed the command. */
export function userPath(p: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

export interface LoadedCorpora {
  items: CorpusItem[];
  rejected: RejectedFile[];
  sources: string[];
}

/** Scans every `--data` folder (corpus recognised from file names unless `corpus` is given) and manifest. */
export async function loadCorpora(
  data: string[],
  manifests: string[],
  corpus?: CorpusName,
): Promise<LoadedCorpora> {
  const items: CorpusItem[] = [];
  const rejected: RejectedFile[] = [];
  const sources: string[] = [];
  for (const d of data) {
    const scan = await scanCorpus(userPath(d), corpus ? { corpus } : {});
    items.push(...scan.items);
    rejected.push(...scan.rejected);
    sources.push(
      `${scan.corpus}: ${userPath(d)} (${scan.items.length} clips, ${scan.rejected.length} rejected)`,
    );
  }
  for (const m of manifests) {
    const scan = await loadManifest(userPath(m));
    items.push(...scan.items);
    rejected.push(...scan.rejected);
    sources.push(`manifest: ${userPath(m)} (${scan.items.length} clips, ${scan.rejected.length} rejected)`);
  }
  if (items.length === 0) throw new Error('no clips found: give --data <corpus folder> or --manifest <csv>');
  return { items, rejected, sources };
}

/**
 * The folders and manifests of `loadCorpora`'s source lines (`<corpus>: <path> (<n> clips, ...)`, as
 * packages record them in `training.corpora`), resolved; anything else in `lines` is ignored.
 */
export function sourcePaths(lines: unknown): string[] {
  return (Array.isArray(lines) ? lines : []).flatMap((l) => {
    const m = typeof l === 'string' ? /^\w+: (.*) \(\d+ clips/.exec(l) : null;
    return m ? [resolve(m[1]!)] : [];
  });
}

/** Refuses a numeric option that is given but not a positive number (`--temperature`, ...). */
export function assertPositive(flag: string, value: number | undefined): void {
  if (value !== undefined && !(value > 0)) throw new Error(`${flag} must be a positive number, got ${value}`);
}

/** Collects a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Help of the `--val-speakers` / `--test-speakers` options every split-aware command takes. */
export const SPEAKER_OPTION_HELP = {
  val: 'validation speakers, comma-separated, repeatable (corpus:id or id, e.g. manifest:ann or ravdess:11); replaces the official validation speakers of their corpus (a manifest without them gets 20% of its speakers automatically)',
  test: "test speakers, comma-separated, repeatable; added to their corpus's official test speakers",
} as const;

/**
 * The split of `items` under the user's `--val-speakers` / `--test-speakers`, its decisions
 * written to `log` (so a run's log says which speakers were held out).
 */
export function splitOptionsFromFlags(
  items: readonly CorpusItem[],
  flags: { valSpeakers?: string[]; testSpeakers?: string[] },
  log: (line: string) => void = () => {},
): ResolvedSplit {
  const resolved = resolveSplitOptions(items, {
    val: parseSpeakerList(flags.valSpeakers),
    test: parseSpeakerList(flags.testSpeakers),
  });
  for (const note of resolved.notes) log(`split: ${note}`);
  return resolved;
}

/**
 * A recorded command (as `commandLine` writes it) without the given options and their values; a value
 * is one shell word: unquoted characters, '...' runs and backslash escapes.
 */
export function withoutOptions(command: string, options: readonly string[]): string {
  const names = options.map((o) => o.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return command.replace(new RegExp(` (?:${names}) (?:[^\\s'\\\\]|'[^']*'|\\\\.)+`, 'g'), '');
}

/**
 * The command line that ran this script, as `npm run <script> -- <args>` with each argument quoted
 * for a POSIX shell where it needs to be, so a recorded command can be pasted back as it ran.
 */
export function commandLine(script: string, args: readonly string[] = process.argv.slice(2)): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
  return `npm run ${script} -- ${args.map(quote).join(' ')}`;
}
