/**
 * Writes the load tests' audio: real RAVDESS speech as raw `pcm_s16le`, 16 kHz mono (or with
 * `--telephone` 8 kHz G.711 mu-law, as a call platform streams it), a whole number of 20 ms frames,
 * to a path outside the repository (the k6 script reads it with `open()`; the audio is never
 * committed).
 *
 * @example
 * npx tsx load-tests/src/make-audio.ts --out /tmp/emostream-speech.s16le --seconds 120
 * npx tsx load-tests/src/make-audio.ts --telephone   # /tmp/emostream-speech.mulaw8k
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { defaultSpeechOptions, loadSpeech, SPEECH_SAMPLE_RATE, toS16le, toTelephone } from './audio.ts';
import { TELEPHONE, WIDEBAND } from './formats.ts';

const program = new Command()
  .name('make-audio')
  .description('write real speech as raw s16le 16 kHz mono (or 8 kHz mu-law) for the load tests')
  .option(
    '--out <path>',
    `output file (default ${WIDEBAND.defaultPath}, with --telephone ${TELEPHONE.defaultPath})`,
  )
  .option('--telephone', 'write 8 kHz G.711 mu-law, as a call platform streams it')
  .option('--seconds <n>', 'seconds of audio', (v) => Number(v), 120)
  .option('--actors <list>', 'RAVDESS actors, comma-separated', defaultSpeechOptions.actors.join(','))
  .option('--no-trim', 'keep the silence around each clip (most windows become short-utterance windows)')
  .option('--turn <s>', 'seconds of speech per turn', (v) => Number(v), defaultSpeechOptions.turnSeconds)
  .option('--pause <ms>', 'silence between turns, ms', (v) => Number(v), defaultSpeechOptions.pauseMs)
  .action(
    async (o: {
      out?: string;
      telephone?: boolean;
      seconds: number;
      actors: string;
      trim: boolean;
      turn: number;
      pause: number;
    }) => {
      const frame = SPEECH_SAMPLE_RATE / 50;
      const seconds = (Math.floor((o.seconds * SPEECH_SAMPLE_RATE) / frame) * frame) / SPEECH_SAMPLE_RATE;
      const speech = await loadSpeech({
        seconds,
        actors: o.actors.split(',').map((a) => Number(a)),
        trimDb: o.trim ? defaultSpeechOptions.trimDb : null,
        turnSeconds: o.turn,
        pauseMs: o.pause,
      });
      const format = o.telephone ? TELEPHONE : WIDEBAND;
      const out = resolve(o.out ?? format.defaultPath);
      mkdirSync(dirname(out), { recursive: true });
      const s16 = toS16le(speech.samples);
      const bytes = o.telephone ? await toTelephone(s16) : s16;
      writeFileSync(out, bytes);
      console.log(
        `wrote ${out}: ${seconds} s of ${format.encoding} ${format.sampleRate / 1000} kHz mono (${bytes.length} bytes) from ${speech.files.length} RAVDESS clips`,
      );
    },
  );

await program.parseAsync();
