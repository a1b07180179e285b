/**
 * Emotional-speech corpora: canonical labels and label sets, file-name parsers of RAVDESS, CREMA-D,
 * TESS, SAVEE and EmoDB, CSV manifests, a folder scanner and the official speaker-independent split.
 */
export { CREMAD_SENTENCES, cremadParser, parseCremadName } from './cremad.ts';
export { type CsvRecord, formatCsvField, formatCsvRow, parseCsv } from './csv.ts';
export { emodbParser, parseEmodbName } from './emodb.ts';
export {
  CANONICAL_LABELS,
  type CanonicalLabel,
  classesPresent,
  countByClass,
  defaultLabelSetName,
  getLabelSet,
  isCanonicalLabel,
  type LabelSet,
  type LabelSetName,
  labelSets,
} from './labels.ts';
export { loadManifest, parseManifest } from './manifest.ts';
export { parseRavdessName, ravdessParser } from './ravdess.ts';
export { parseSaveeName, saveeParser } from './savee.ts';
export {
  corpusParsers,
  detectCorpus,
  type FileNameCorpus,
  listAudioFiles,
  parseCorpusFiles,
  type ScanOptions,
  scanCorpus,
} from './scan.ts';
export {
  AUTO_VAL_SHARE,
  assertSpeakerDisjoint,
  autoValSpeakers,
  defaultSplitOptions,
  officialSplit,
  officialSplitRules,
  parseSpeakerList,
  type ResolvedSplit,
  resolveSplitOptions,
  type SpeakerChoice,
  type SpeakerSplitRule,
  type SplitName,
  type SplitOptions,
  type Splits,
  splitOf,
} from './split.ts';
export { parseTessName, tessParser } from './tess.ts';
export {
  AUDIO_EXTENSIONS,
  type AudioName,
  audioName,
  type CorpusItem,
  type CorpusName,
  type CorpusParser,
  type CorpusScan,
  isAudioPath,
  type ParsedName,
  type RejectedFile,
} from './types.ts';
