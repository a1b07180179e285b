import { describe, expect, it } from 'vitest';
import { assertSameValidationSpeakers } from './validation.ts';

describe('assertSameValidationSpeakers', () => {
  const speakers = ['emodb:11', 'ravdess:15', 'ravdess:16'];

  it('accepts members that held out the same speakers, in any order, and members that do not say', () => {
    expect(() =>
      assertSameValidationSpeakers(
        [
          { dir: 'a', valSpeakers: ['ravdess:16', 'emodb:11', 'ravdess:15'] },
          { dir: 'b', valSpeakers: undefined },
          { dir: 'c', valSpeakers: speakers },
        ],
        speakers,
      ),
    ).not.toThrow();
  });

  it('names the member and both speaker sets when they differ', () => {
    expect(() =>
      assertSameValidationSpeakers(
        [
          { dir: 'a', valSpeakers: speakers },
          { dir: 'models/b', valSpeakers: ['emodb:11', 'ravdess:15'] },
        ],
        speakers,
      ),
    ).toThrow(
      'models/b held out validation speakers emodb:11 ravdess:15, but the data and speaker flags given here make them emodb:11 ravdess:15 ravdess:16',
    );
  });

  it('refuses a member with validation speakers when the data given here has none', () => {
    expect(() => assertSameValidationSpeakers([{ dir: 'a', valSpeakers: ['x'] }], [])).toThrow(
      /make them \(none\)/,
    );
  });
});
