#!/bin/sh
# Regenerates the lossy-codec fixtures in this folder. Run from the repository root.
# Needs: npx tsx (a devDependency), and the Debian packages lame, vorbis-tools, opus-tools
# (apt-get install -y --no-install-recommends lame vorbis-tools opus-tools).
set -eu
out=shared/testdata/audio
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/gen.mts" <<TS
import { writeFileSync } from 'node:fs';
import { encodeWav } from '$PWD/shared/src/audio/wav.ts';
// One second of sines at amplitude 0.5, one frequency per channel.
const tone = (rate: number, hz: number[]) => {
  const x = new Float32Array(rate * hz.length);
  for (let i = 0; i < rate; i++)
    for (let c = 0; c < hz.length; c++) x[i * hz.length + c] = 0.5 * Math.sin((2 * Math.PI * hz[c]! * i) / rate);
  return x;
};
writeFileSync('$tmp/mono-44k1.wav', encodeWav(tone(44100, [440]), 44100, { bitDepth: 16 }));
writeFileSync('$tmp/stereo-48k.wav', encodeWav(tone(48000, [440, 660]), 48000, { bitDepth: 16, channels: 2 }));
TS
npx tsx "$tmp/gen.mts"
lame --quiet -b 64 -m m "$tmp/mono-44k1.wav" "$out/tone-440hz-44k1-mono.mp3"
oggenc --quiet -q 2 --serial 1 -o "$out/tone-440-660hz-48k-stereo.ogg" "$tmp/stereo-48k.wav"
opusenc --quiet --bitrate 48 --serial 1 "$tmp/stereo-48k.wav" "$out/tone-440-660hz-48k-stereo.opus"
