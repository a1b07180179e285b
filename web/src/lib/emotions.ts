/**
 * One colour per emotion class, the same on every page. The palette is Okabe-Ito (distinguishable
 * with the common colour-vision deficiencies); colour never carries meaning alone, every swatch sits
 * beside its text label. Classes come from the model (`model.classes`): well-known names get a fixed
 * colour, others take the unused palette entries in model order.
 */

/** Fixed colours for the class names of common label sets. */
const KNOWN: Readonly<Record<string, string>> = {
  neutral: '#8c8c8c',
  calm: '#56b4e9',
  happy: '#f0e442',
  sad: '#0072b2',
  angry: '#d55e00',
  fearful: '#cc79a7',
  disgust: '#009e73',
  surprised: '#e69f00',
};

const SPARE = ['#56b4e9', '#e69f00', '#009e73', '#cc79a7', '#0072b2', '#f0e442', '#d55e00', '#000000'];

/** Emotions that count towards a "negative emotion" alert. */
export const NEGATIVE_EMOTIONS: ReadonlySet<string> = new Set(['angry', 'fearful', 'sad', 'disgust']);

/** Colour of `label` given the model's classes (stable for a given class list). */
export function emotionColor(label: string, classes: readonly string[] = []): string {
  const known = KNOWN[label];
  if (known) return known;
  const used = new Set(classes.map((c) => KNOWN[c]).filter(Boolean));
  const spare = SPARE.filter((c) => !used.has(c));
  const unknown = classes.filter((c) => !KNOWN[c]);
  const i = unknown.indexOf(label);
  if (i >= 0 && spare.length > 0) return spare[i % spare.length]!;
  let hash = 0;
  for (const ch of label) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return SPARE[hash % SPARE.length]!;
}

/** Text colour readable on top of `background` (black or white, whichever contrasts more). */
export function textOn(background: string): string {
  const n = Number.parseInt(background.slice(1), 16);
  const channel = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#111111' : '#ffffff';
}

/** "angry" -> "Angry". */
export function emotionName(label: string): string {
  return label.length === 0 ? label : label[0]!.toUpperCase() + label.slice(1);
}
