/**
 * Canonical emotion labels shared by every corpus, and the label sets a model is trained on.
 *
 * Corpora name their emotions differently (RAVDESS "fearful", EmoDB "Angst", CREMA-D "FEA"); the
 * parsers translate them all to {@link CanonicalLabel}. A label set then decides which canonical
 * labels a model sees and how they merge, so changing the class inventory is configuration, not a
 * change to any loader.
 */

/** Every emotion any supported corpus annotates, in RAVDESS code order followed by EmoDB's boredom. */
export const CANONICAL_LABELS = [
  'neutral',
  'calm',
  'happy',
  'sad',
  'angry',
  'fearful',
  'disgust',
  'surprised',
  'boredom',
] as const;

/** One emotion as annotated by a corpus, after translation to the shared vocabulary. */
export type CanonicalLabel = (typeof CANONICAL_LABELS)[number];

const canonicalSet: ReadonlySet<string> = new Set(CANONICAL_LABELS);

/** True when `value` is one of {@link CANONICAL_LABELS} (exact, lower case). */
export function isCanonicalLabel(value: string): value is CanonicalLabel {
  return canonicalSet.has(value);
}

/** Names of the configured label sets. */
export type LabelSetName = 'ekman7' | 'ravdess8' | 'valence3';

/** A class inventory for training and evaluation, with the rule that maps canonical labels onto it. */
export interface LabelSet {
  /** The set's name, as used in configs and model cards. */
  readonly name: LabelSetName;
  /**
   * Class names in their fixed order: index `i` is output unit `i` of a model trained on this set.
   * The array is frozen; reordering it would silently permute every trained model's outputs.
   */
  readonly classes: string[];
  /** One-line description for model cards and reports. */
  readonly description: string;
  /** The class a canonical label belongs to, or `null` when the set leaves that label out. */
  map(label: CanonicalLabel): string | null;
}

function makeLabelSet(
  name: LabelSetName,
  description: string,
  classes: string[],
  table: Readonly<Record<CanonicalLabel, string | null>>,
): LabelSet {
  for (const target of Object.values(table)) {
    if (target !== null && !classes.includes(target)) {
      throw new Error(`label set ${name}: maps to "${target}", which is not one of its classes`);
    }
  }
  return Object.freeze({
    name,
    description,
    classes: Object.freeze([...classes]) as string[],
    map: (label: CanonicalLabel) => table[label],
  });
}

/**
 * Ekman's six basic emotions plus neutral: the product default. Calm is merged into neutral because
 * only RAVDESS separates them and the two are hard to tell apart even for human raters, so a live
 * product gains nothing from a class that one corpus teaches. Boredom has no Ekman counterpart.
 */
const ekman7 = makeLabelSet(
  'ekman7',
  'neutral (calm merged), happy, sad, angry, fearful, disgust, surprised',
  ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'],
  {
    neutral: 'neutral',
    calm: 'neutral',
    happy: 'happy',
    sad: 'sad',
    angry: 'angry',
    fearful: 'fearful',
    disgust: 'disgust',
    surprised: 'surprised',
    boredom: null,
  },
);

/** The eight RAVDESS emotions in RAVDESS code order (01..08); EmoDB's boredom is left out. */
const ravdess8 = makeLabelSet(
  'ravdess8',
  'the eight RAVDESS emotions in code order',
  ['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'],
  {
    neutral: 'neutral',
    calm: 'calm',
    happy: 'happy',
    sad: 'sad',
    angry: 'angry',
    fearful: 'fearful',
    disgust: 'disgust',
    surprised: 'surprised',
    boredom: null,
  },
);

/**
 * Three-way valence, following the mapping of seed 004 (neutral + calm -> neutral, happy + surprised ->
 * positive, angry, fearful, sad, disgust -> negative).
 *
 * Boredom -> negative. Valence is about pleasantness, not arousal: boredom is low-arousal but
 * rated unpleasant (ANEW norms put "bored" at about 3 on the 1..9 pleasure scale, well below the
 * midpoint; Russell's 1980 circumplex places it in the unpleasant, low-arousal quadrant with sad),
 * and the standard EmoDB benchmark mapping (Schuller et al., ASRU 2009) assigns boredom to negative
 * valence while assigning neutral to the other side. Mapping it to neutral would teach a valence
 * model that flat, low-energy prosody is the neutral class, mixing arousal into valence.
 */
const valence3 = makeLabelSet(
  'valence3',
  'negative / neutral / positive valence (seed 004 mapping; boredom -> negative)',
  ['negative', 'neutral', 'positive'],
  {
    neutral: 'neutral',
    calm: 'neutral',
    happy: 'positive',
    surprised: 'positive',
    sad: 'negative',
    angry: 'negative',
    fearful: 'negative',
    disgust: 'negative',
    boredom: 'negative',
  },
);

/** All configured label sets by name. */
export const labelSets: Readonly<Record<LabelSetName, LabelSet>> = Object.freeze({
  ekman7,
  ravdess8,
  valence3,
});

/** The label set the product ships with. */
export const defaultLabelSetName: LabelSetName = 'ekman7';

/** The label set called `name`; throws a `TypeError` naming the known sets for anything else. */
export function getLabelSet(name: string): LabelSet {
  if (Object.hasOwn(labelSets, name)) return labelSets[name as LabelSetName];
  throw new TypeError(`unknown label set "${name}"; known: ${Object.keys(labelSets).join(', ')}`);
}

/**
 * The classes of `labelSet` that at least one item maps to, in the set's order. A model trained on a
 * corpus must use this list rather than `labelSet.classes`, so that a class the corpus lacks (EmoDB
 * has no surprise) is left out instead of becoming an output unit that never sees an example.
 */
export function classesPresent(items: Iterable<{ label: CanonicalLabel }>, labelSet: LabelSet): string[] {
  const seen = new Set<string>();
  for (const item of items) {
    const cls = labelSet.map(item.label);
    if (cls !== null) seen.add(cls);
  }
  return labelSet.classes.filter((c) => seen.has(c));
}

/**
 * Item counts per class of `labelSet`, in the set's order (zero for absent classes); items the set
 * leaves out are counted under `excluded`.
 */
export function countByClass(
  items: Iterable<{ label: CanonicalLabel }>,
  labelSet: LabelSet,
): { counts: Record<string, number>; excluded: number } {
  const counts: Record<string, number> = {};
  for (const c of labelSet.classes) counts[c] = 0;
  let excluded = 0;
  for (const item of items) {
    const cls = labelSet.map(item.label);
    if (cls === null) excluded += 1;
    else counts[cls] = (counts[cls] ?? 0) + 1;
  }
  return { counts, excluded };
}
