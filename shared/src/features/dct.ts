/**
 * Orthonormal DCT-II basis, as `scipy.fft.dct(x, type=2, norm='ortho')` and librosa's MFCC use it:
 * `c_k = s_k * sum_n x_n cos(pi k (2n + 1) / (2N))`, `s_0 = sqrt(1/N)`, `s_k = sqrt(2/N)`.
 *
 * Returns the first `nOut` rows as a row-major `nOut x nIn` matrix.
 */
export function dctOrthoMatrix(nIn: number, nOut: number): Float64Array {
  if (nOut > nIn) throw new TypeError(`DCT: cannot take ${nOut} coefficients of a ${nIn}-point input`);
  const m = new Float64Array(nOut * nIn);
  for (let k = 0; k < nOut; k++) {
    const s = k === 0 ? Math.sqrt(1 / nIn) : Math.sqrt(2 / nIn);
    for (let n = 0; n < nIn; n++) m[k * nIn + n] = s * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * nIn));
  }
  return m;
}
