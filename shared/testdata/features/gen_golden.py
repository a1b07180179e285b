#!/usr/bin/env python3
"""Golden data for the incremental feature engine (shared/src/features).

An independent, deliberately plain numpy (float64) reference of every frame feature the engine
computes, except pitch. It synthesises four deterministic test signals, computes the features
from the float32 samples that are written to disk (so the engine and this reference see bit-identical
input), checks its own maths against closed forms and known signals, and writes:

    <name>.signal.f32     little-endian float32 samples, 16 kHz mono
    <name>.features.f32   little-endian float32 matrix, frames x dim, row-major
    mel_filterbank.f32    little-endian float32 matrix, nMels x (nFft/2 + 1), row-major
    golden.json           manifest: options, layout, shapes, per-signal notes

Run from the repository root:  python3 shared/testdata/features/gen_golden.py
Needs numpy and scipy only. Output is byte-for-byte reproducible.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import scipy.fft
import scipy.signal

OUT_DIR = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------------------------
# Parameters (the engine's defaults)
# ---------------------------------------------------------------------------------------------
SR = 16000
WIN_LENGTH = 400
HOP_LENGTH = 160
N_FFT = 512
N_MELS = 64
F_MIN = 0.0
F_MAX = SR / 2
N_MFCC = 40
AMIN = 1e-10
DELTA_N = 2
N_BINS = N_FFT // 2 + 1
CHROMA_F_MIN = 55.0
CHROMA_F_MAX = 5000.0
CONTRAST_EDGES_HZ = [0.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0, SR / 2]
CONTRAST_QUANTILE = 0.02
ROLLOFF_PERCENT = 0.85

# Canonical order of the engine's feature vector (pitch excluded from the golden data).
FEATURES = [
    ("logmel", N_MELS),
    ("mfcc", N_MFCC),
    ("delta", N_MFCC),
    ("delta2", N_MFCC),
    ("chroma", 12),
    ("contrast", len(CONTRAST_EDGES_HZ) - 1),
    ("centroid", 1),
    ("bandwidth", 1),
    ("rolloff", 1),
    ("zcr", 1),
    ("rms", 1),
]
LAYOUT: dict[str, dict[str, int]] = {}
_offset = 0
for _name, _size in FEATURES:
    LAYOUT[_name] = {"offset": _offset, "size": _size}
    _offset += _size
DIM = _offset

# Frames whose rolloff threshold falls within this fraction of the total magnitude of a bin
# boundary: float32 rounding in an implementation could legitimately move them one bin.
ROLLOFF_TIE_MARGIN = 1e-4


# ---------------------------------------------------------------------------------------------
# Reference features (float64)
# ---------------------------------------------------------------------------------------------
def fft_freqs() -> np.ndarray:
    return np.arange(N_BINS, dtype=np.float64) * SR / N_FFT


def hz_to_mel_slaney(hz: np.ndarray | float) -> np.ndarray:
    hz = np.asarray(hz, dtype=np.float64)
    f_sp = 200.0 / 3.0
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    linear = hz / f_sp
    with np.errstate(divide="ignore"):
        log_part = min_log_mel + np.log(np.maximum(hz, 1e-300) / min_log_hz) / logstep
    return np.where(hz >= min_log_hz, log_part, linear)


def mel_to_hz_slaney(mel: np.ndarray | float) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    f_sp = 200.0 / 3.0
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    return np.where(mel >= min_log_mel, min_log_hz * np.exp(logstep * (mel - min_log_mel)), f_sp * mel)


def mel_filterbank() -> tuple[np.ndarray, np.ndarray]:
    """librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney') in float64."""
    mels = np.linspace(hz_to_mel_slaney(F_MIN), hz_to_mel_slaney(F_MAX), N_MELS + 2)
    mel_f = mel_to_hz_slaney(mels)
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs()[None, :]
    weights = np.zeros((N_MELS, N_BINS))
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0.0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2 : N_MELS + 2] - mel_f[:N_MELS])
    return weights * enorm[:, None], mel_f


def frame_count(n: int) -> int:
    return (n - WIN_LENGTH) // HOP_LENGTH + 1 if n >= WIN_LENGTH else 0


def frames_of(x: np.ndarray) -> np.ndarray:
    t = frame_count(len(x))
    idx = np.arange(t)[:, None] * HOP_LENGTH + np.arange(WIN_LENGTH)[None, :]
    return x.astype(np.float64)[idx]


def periodic_hann() -> np.ndarray:
    n = np.arange(WIN_LENGTH, dtype=np.float64)
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * n / WIN_LENGTH)


def dct2_ortho_matrix(n: int) -> np.ndarray:
    """Rows k = 0..n-1 of the orthonormal DCT-II, written out rather than borrowed."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    m = np.cos(np.pi * k * (2 * i + 1) / (2 * n)) * math.sqrt(2.0 / n)
    m[0] *= math.sqrt(0.5)
    return m


def delta(c: np.ndarray, n_max: int = DELTA_N) -> np.ndarray:
    t = c.shape[0]
    if t == 0:
        return c.copy()
    denom = 2.0 * sum(n * n for n in range(1, n_max + 1))
    out = np.zeros_like(c)
    idx = np.arange(t)
    for n in range(1, n_max + 1):
        out += n * (c[np.minimum(idx + n, t - 1)] - c[np.maximum(idx - n, 0)])
    return out / denom


def chroma_weights() -> np.ndarray:
    """12 x N_BINS triangular pitch-class weights on the circular semitone axis."""
    f = fft_freqs()
    w = np.zeros((12, N_BINS))
    for k in range(N_BINS):
        if not (CHROMA_F_MIN <= f[k] <= CHROMA_F_MAX):
            continue
        midi = 69.0 + 12.0 * math.log2(f[k] / 440.0)
        pc = midi % 12.0
        for c in range(12):
            d = abs(pc - c) % 12.0
            d = min(d, 12.0 - d)
            w[c, k] = max(0.0, 1.0 - d)
    return w


def contrast_bands() -> list[np.ndarray]:
    f = fft_freqs()
    bands = []
    last = len(CONTRAST_EDGES_HZ) - 2
    for b in range(len(CONTRAST_EDGES_HZ) - 1):
        lo, hi = CONTRAST_EDGES_HZ[b], CONTRAST_EDGES_HZ[b + 1]
        sel = (f >= lo) & ((f < hi) | ((f == hi) if b == last else False))
        bands.append(np.nonzero(sel)[0])
    return bands


def spectral_contrast(s: np.ndarray, bands: list[np.ndarray]) -> np.ndarray:
    out = np.zeros(len(bands))
    for b, bins in enumerate(bands):
        mags = np.sort(s[bins])
        n = max(1, math.floor(CONTRAST_QUANTILE * len(bins) + 0.5))
        valley = mags[:n].mean()
        peak = mags[-n:].mean()
        out[b] = 10.0 * math.log10(max(peak, AMIN)) - 10.0 * math.log10(max(valley, AMIN))
    return out


def compute_features(x32: np.ndarray) -> tuple[np.ndarray, dict]:
    """All golden features of a float32 signal, float64 throughout. Returns (T x DIM, notes)."""
    frames = frames_of(x32)
    t = frames.shape[0]
    spec = np.fft.rfft(frames * periodic_hann()[None, :], n=N_FFT, axis=1)
    power = spec.real**2 + spec.imag**2
    mag = np.abs(spec)
    f = fft_freqs()

    fb, _ = mel_filterbank()
    mel_power = power @ fb.T
    logmel = 10.0 * np.log10(np.maximum(mel_power, AMIN))
    mfcc = (logmel @ dct2_ortho_matrix(N_MELS).T)[:, :N_MFCC]
    d1 = delta(mfcc)
    d2 = delta(d1)

    chroma_raw = power @ chroma_weights().T
    chroma_max = chroma_raw.max(axis=1, initial=0.0)
    chroma = np.where(
        chroma_max[:, None] > AMIN, chroma_raw / np.where(chroma_max > AMIN, chroma_max, 1.0)[:, None], 0.0
    )

    bands = contrast_bands()
    contrast = np.array([spectral_contrast(mag[i], bands) for i in range(t)]).reshape(t, len(bands))

    centroid = np.zeros(t)
    bandwidth = np.zeros(t)
    rolloff = np.zeros(t)
    rolloff_ties = []
    for i in range(t):
        s = mag[i]
        cum = np.cumsum(s)
        total = cum[-1]
        if total <= 0.0:
            continue
        centroid[i] = float(np.dot(f, s) / total)
        bandwidth[i] = math.sqrt(float(np.dot(s, (f - centroid[i]) ** 2) / total))
        thr = ROLLOFF_PERCENT * total
        k = int(np.argmax(cum >= thr))
        rolloff[i] = f[k]
        below = thr - cum[k - 1] if k > 0 else math.inf
        if min(cum[k] - thr, below) < ROLLOFF_TIE_MARGIN * total:
            rolloff_ties.append(i)

    sgn = np.where(frames >= 0.0, 1, -1)
    zcr = np.count_nonzero(sgn[:, 1:] != sgn[:, :-1], axis=1) / WIN_LENGTH
    rms = np.sqrt(np.mean(frames**2, axis=1))

    cols = {
        "logmel": logmel,
        "mfcc": mfcc,
        "delta": d1,
        "delta2": d2,
        "chroma": chroma,
        "contrast": contrast,
        "centroid": centroid[:, None],
        "bandwidth": bandwidth[:, None],
        "rolloff": rolloff[:, None],
        "zcr": zcr[:, None],
        "rms": rms[:, None],
    }
    out = np.concatenate([cols[name] for name, _ in FEATURES], axis=1) if t else np.zeros((0, DIM))

    # Knife edges where float32 rounding in the engine could flip a branch: refuse to emit them,
    # so the golden values are well-defined for any correct float32/float64 implementation.
    near_mel_floor = np.abs(mel_power - AMIN) < 1e-3 * AMIN
    assert not near_mel_floor.any(), "a mel energy sits on the amin knife edge; change the signal"
    assert not ((chroma_max > 0) & (chroma_max < 10 * AMIN)).any(), "chroma max near amin"
    notes = {
        "rolloffTieFrames": rolloff_ties,
        "silentFrames": [int(i) for i in np.nonzero(~frames.any(axis=1))[0]],
    }
    return out, notes


# ---------------------------------------------------------------------------------------------
# Test signals
# ---------------------------------------------------------------------------------------------
def raised_cosine_env(n: int, segments: list[tuple[float, float, float]], ramp_s: float) -> np.ndarray:
    """Sum of flat-topped segments (start_s, end_s, level) with raised-cosine ramps."""
    t = np.arange(n) / SR
    env = np.zeros(n)
    for start, end, level in segments:
        up = np.clip((t - start) / ramp_s, 0.0, 1.0)
        down = np.clip((end - t) / ramp_s, 0.0, 1.0)
        env += level * (0.5 - 0.5 * np.cos(np.pi * np.minimum(up, down)))
    return env


def resonator(x: np.ndarray, freq: float, bw: float) -> np.ndarray:
    """Two-pole resonance with unit gain at its centre frequency."""
    r = math.exp(-math.pi * bw / SR)
    theta = 2.0 * math.pi * freq / SR
    a = [1.0, -2.0 * r * math.cos(theta), r * r]
    z = np.exp(-1j * theta)
    gain = abs(a[0] + a[1] * z + a[2] * z * z)
    return scipy.signal.lfilter([gain], a, x)


def speech_like(rng: np.random.Generator) -> np.ndarray:
    n = int(1.5 * SR)
    t = np.arange(n) / SR
    # F0 glides 120 -> 220 Hz with a 5.5 Hz, +/-3 % vibrato.
    f0 = (120.0 + 100.0 * t / t[-1]) * (1.0 + 0.03 * np.sin(2 * np.pi * 5.5 * t))
    phase = 2.0 * np.pi * np.cumsum(f0) / SR
    # Band-limited glottal-like source: harmonics at 1/k (about -6 dB/octave after radiation),
    # each faded out smoothly as it approaches 7.6 kHz so nothing aliases as F0 rises.
    src = np.zeros(n)
    for k in range(1, int(7600 / 120) + 1):
        fade = np.clip((7600.0 - k * f0) / 400.0, 0.0, 1.0)
        src += fade * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) / k
    src += 0.02 * rng.standard_normal(n)  # aspiration

    def vowel(formants: list[tuple[float, float]]) -> np.ndarray:
        y = src
        for freq, bw in formants:
            y = resonator(y, freq, bw)
        return y / np.max(np.abs(y))

    vowel_a = vowel([(700, 110), (1220, 120), (2600, 160)])
    vowel_i = vowel([(300, 70), (2300, 100), (3000, 140)])
    syllabic = 1.0 - 0.35 * (0.5 + 0.5 * np.cos(2 * np.pi * 4.0 * t))
    env_a = raised_cosine_env(n, [(0.05, 0.55, 1.0)], 0.03) * syllabic
    env_i = raised_cosine_env(n, [(0.85, 1.40, 0.8)], 0.03) * syllabic
    hiss = scipy.signal.lfilter(*scipy.signal.butter(4, 3500, btype="highpass", fs=SR), rng.standard_normal(n))
    hiss /= np.max(np.abs(hiss))
    env_s = raised_cosine_env(n, [(0.65, 0.78, 0.6)], 0.02)
    y = env_a * vowel_a + env_i * vowel_i + env_s * hiss
    y = 0.5 * y / np.max(np.abs(y))
    return y + 2e-4 * rng.standard_normal(n)  # room noise, so the gaps are quiet but not digital zero


def chirp(rng: np.random.Generator) -> np.ndarray:
    n = int(1.2 * SR)
    t = np.arange(n) / SR
    y = 0.5 * scipy.signal.chirp(t, f0=100.0, t1=t[-1], f1=7000.0, method="linear")
    return y + 0.003 * rng.standard_normal(n)


def with_silence(rng: np.random.Generator) -> np.ndarray:
    """Digital zeros, a voiced tone, zeros, noise near the log floor, a noise burst, zeros."""
    n = int(1.2 * SR)
    t = np.arange(n) / SR
    y = np.zeros(n)

    def span(a: float, b: float) -> slice:
        return slice(int(a * SR), int(b * SR))

    s = span(0.20, 0.45)
    tone = sum(np.sin(2 * np.pi * 300.0 * k * t[s] + k) / k for k in range(1, 6))
    y[s] = 0.3 * tone * raised_cosine_env(s.stop - s.start, [(0.0, 0.25, 1.0)], 0.01)
    y[s] += 0.002 * rng.standard_normal(s.stop - s.start)
    # White noise with a mel-band energy of about amin, so some bands sit above the floor and some
    # below it: an implementation that adds amin instead of taking the max is off by dB here.
    s = span(0.60, 0.75)
    y[s] = 5e-6 * rng.standard_normal(s.stop - s.start)
    s = span(0.85, 1.00)
    y[s] = 0.2 * rng.standard_normal(s.stop - s.start)
    return y


def tones(rng: np.random.Generator) -> np.ndarray:
    n = int(1.0 * SR)
    t = np.arange(n) / SR
    p1, p2 = rng.uniform(0, 2 * np.pi, 2)
    return 0.3 * np.sin(2 * np.pi * 440.0 * t + p1) + 0.3 * np.sin(2 * np.pi * 1000.0 * t + p2)


SIGNALS = [
    (
        "speech_like",
        speech_like,
        101,
        "Harmonic source with F0 gliding 120->220 Hz plus vibrato, through two sets of formant "
        "resonators (/a/ then /i/), syllabic envelope, a high-passed noise burst (fricative) and "
        "near-silent gaps with low room noise.",
    ),
    ("chirp", chirp, 202, "Linear chirp 100 Hz -> 7 kHz at amplitude 0.5 plus white noise (std 0.003)."),
    (
        "silence",
        with_silence,
        303,
        "Exact digital zeros (0-0.2 s, 0.45-0.6 s, 0.75-0.85 s, 1.0-1.2 s) around a 300 Hz harmonic "
        "tone, white noise at std 5e-6 (mel energy about amin: straddles the log floor) and a loud "
        "white-noise burst.",
    ),
    ("tones", tones, 404, "440 Hz + 1000 Hz sines, amplitude 0.3 each, steady."),
]


# ---------------------------------------------------------------------------------------------
# Self-checks of the reference against closed forms and known signals
# ---------------------------------------------------------------------------------------------
def self_check() -> None:
    # Slaney mel scale closed forms.
    assert abs(float(hz_to_mel_slaney(1000.0)) - 15.0) < 1e-12
    assert abs(float(hz_to_mel_slaney(6400.0)) - 42.0) < 1e-12
    assert abs(float(hz_to_mel_slaney(500.0)) - 7.5) < 1e-12
    grid = np.linspace(0, 8000, 1001)
    assert np.allclose(mel_to_hz_slaney(hz_to_mel_slaney(grid)), grid, rtol=1e-12, atol=1e-9)

    # Filterbank: every filter non-empty; Slaney area normalisation gives each triangle an area of
    # one in Hz, i.e. sum_k W[m, k] * binHz ~= 1 once the triangle spans many bins.
    fb, mel_f = mel_filterbank()
    assert (fb.max(axis=1) > 0).all()
    areas = fb.sum(axis=1) * SR / N_FFT
    assert np.allclose(areas[30:], 1.0, atol=0.05) and np.allclose(areas, 1.0, atol=0.25), areas

    # The DCT written out equals scipy's orthonormal DCT-II.
    v = np.random.default_rng(0).standard_normal(N_MELS)
    assert np.allclose(dct2_ortho_matrix(N_MELS) @ v, scipy.fft.dct(v, type=2, norm="ortho"), atol=1e-12)

    # Delta of a linear ramp is its slope away from the edges.
    ramp = np.arange(10, dtype=np.float64)[:, None] * 3.0
    assert np.allclose(delta(ramp)[2:-2], 3.0)

    # A pure 1 kHz tone: logmel peaks in a band whose triangle contains 1 kHz, chroma peaks near
    # B (1 kHz = MIDI 83.2), the centroid is close to 1 kHz, the rolloff near it, rms = a/sqrt 2.
    n = SR
    tt = np.arange(n) / SR
    x = (0.5 * np.sin(2 * np.pi * 1000.0 * tt)).astype(np.float32)
    feats, _ = compute_features(x)
    lm = feats[:, LAYOUT["logmel"]["offset"] : LAYOUT["logmel"]["offset"] + N_MELS].mean(axis=0)
    m = int(np.argmax(lm))
    assert mel_f[m] < 1000.0 < mel_f[m + 2], (m, mel_f[m], mel_f[m + 2])
    chroma = feats[:, LAYOUT["chroma"]["offset"] : LAYOUT["chroma"]["offset"] + 12].mean(axis=0)
    assert int(np.argmax(chroma)) == 11, chroma
    assert np.all(np.abs(feats[:, LAYOUT["centroid"]["offset"]] - 1000.0) < 60.0)
    assert np.all(np.abs(feats[:, LAYOUT["rolloff"]["offset"]] - 1000.0) <= 2 * SR / N_FFT)
    assert np.allclose(feats[:, LAYOUT["rms"]["offset"]], 0.5 / math.sqrt(2), rtol=1e-3)
    # 1 kHz is 25 cycles per 400-sample frame: 50 zero crossings, 49 or 50 inside a frame.
    zc = feats[:, LAYOUT["zcr"]["offset"]] * WIN_LENGTH
    assert np.all((zc >= 49) & (zc <= 50)), zc

    # A 440 Hz tone: chroma class 9 (A) dominates.
    x = (0.5 * np.sin(2 * np.pi * 440.0 * tt)).astype(np.float32)
    feats, _ = compute_features(x)
    chroma = feats[:, LAYOUT["chroma"]["offset"] : LAYOUT["chroma"]["offset"] + 12].mean(axis=0)
    assert int(np.argmax(chroma)) == 9, chroma

    # Digital silence: every band on the floor, MFCC c0 = -100 * sqrt(64), the rest zero.
    feats, notes = compute_features(np.zeros(2000, dtype=np.float32))
    assert feats.shape == (frame_count(2000), DIM) and len(notes["silentFrames"]) == feats.shape[0]
    assert np.all(feats[:, :N_MELS] == -100.0)
    mf = feats[:, LAYOUT["mfcc"]["offset"] : LAYOUT["mfcc"]["offset"] + N_MFCC]
    assert np.allclose(mf[:, 0], -800.0) and np.allclose(mf[:, 1:], 0.0, atol=1e-9)
    assert np.allclose(feats[:, N_MELS + N_MFCC :], 0.0, atol=1e-12)  # deltas, chroma, contrast, ...

    # Framing.
    assert [frame_count(n) for n in (0, 399, 400, 559, 560)] == [0, 0, 1, 1, 2]


# ---------------------------------------------------------------------------------------------
def write_f32(path: Path, arr: np.ndarray) -> None:
    np.ascontiguousarray(arr, dtype="<f4").tofile(path)


def main() -> None:
    self_check()
    fb, _ = mel_filterbank()
    write_f32(OUT_DIR / "mel_filterbank.f32", fb)

    manifest: dict = {
        "version": 1,
        "generator": "gen_golden.py",
        "format": "little-endian float32, row-major",
        "options": {
            "sampleRate": SR,
            "winLength": WIN_LENGTH,
            "hopLength": HOP_LENGTH,
            "nFft": N_FFT,
            "nMels": N_MELS,
            "fMinHz": F_MIN,
            "fMaxHz": F_MAX,
            "nMfcc": N_MFCC,
            "amin": AMIN,
            "deltaN": DELTA_N,
            "chromaFMinHz": CHROMA_F_MIN,
            "chromaFMaxHz": CHROMA_F_MAX,
            "contrastEdgesHz": CONTRAST_EDGES_HZ,
            "contrastQuantile": CONTRAST_QUANTILE,
            "rolloffPercent": ROLLOFF_PERCENT,
        },
        "derived": {
            "binHz": SR / N_FFT,
            "contrastBandBins": [int(len(b)) for b in contrast_bands()],
            "contrastN": [max(1, math.floor(CONTRAST_QUANTILE * len(b) + 0.5)) for b in contrast_bands()],
        },
        "features": [name for name, _ in FEATURES],
        "layout": LAYOUT,
        "dim": DIM,
        "melFilterbank": {"file": "mel_filterbank.f32", "shape": [N_MELS, N_BINS]},
        "signals": [],
    }
    for name, make, seed, description in SIGNALS:
        x32 = make(np.random.default_rng(seed)).astype(np.float32)
        assert np.max(np.abs(x32)) < 1.0
        feats, notes = compute_features(x32)
        write_f32(OUT_DIR / f"{name}.signal.f32", x32)
        write_f32(OUT_DIR / f"{name}.features.f32", feats)
        manifest["signals"].append(
            {
                "name": name,
                "description": description,
                "signal": {"file": f"{name}.signal.f32", "samples": int(len(x32))},
                "features": {"file": f"{name}.features.f32", "shape": [int(feats.shape[0]), DIM]},
                "frames": int(feats.shape[0]),
                **notes,
            }
        )
        print(f"{name}: {len(x32)} samples, {feats.shape[0]} frames, notes {notes}")
    (OUT_DIR / "golden.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(p.stat().st_size for p in OUT_DIR.iterdir() if p.is_file())
    print(f"wrote {OUT_DIR} ({total} bytes)")


if __name__ == "__main__":
    main()
