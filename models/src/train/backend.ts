import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { WASM_MISSING_KERNELS, WASM_PERFORMANCE_OVERRIDES } from './kernels/index.ts';

/** Which backend to train on; 'auto' picks the fastest one that is available. */
export type TrainingBackendPreference = 'auto' | 'wasm' | 'cpu' | 'node' | 'node-gpu';

/** Options for {@link initTrainingBackend}. */
export interface TrainingBackendOptions {
  /**
   * Replace slow native wasm kernels with faster ones (WASM_PERFORMANCE_OVERRIDES in kernels/index.ts:
   * conv input gradient via XNNPACK, transposed matmuls and copy-free slicing for RNN backprop, and
   * more; about 2.5x on a VGG step and 10x on a 300-frame CNN-LSTM step). Default true; false gives
   * stock tfjs plus only the missing kernels, e.g. to compare numerics or timings.
   */
  wasmOverrides?: boolean;
}

/** What {@link initTrainingBackend} ended up with. */
export interface TrainingBackendInfo {
  /** Active tfjs backend name ('tensorflow' for tfjs-node / tfjs-node-gpu). */
  backend: string;
  /**
   * Kernel names this module currently has registered on wasm: the missing ones plus any active
   * overrides. Empty until wasm has been selected once.
   */
  kernelsRegistered: string[];
}

const added = new Set<string>();
const overridden = new Map<string, tf.KernelConfig>();

/**
 * Adds the kernels that tfjs-backend-wasm lacks for training. Idempotent; a kernel that wasm already
 * provides (e.g. in a future tfjs release) is left alone so the native one wins.
 */
export function registerWasmTrainingKernels(): string[] {
  for (const config of WASM_MISSING_KERNELS) {
    if (added.has(config.kernelName) || tf.getKernel(config.kernelName, 'wasm') !== undefined) continue;
    tf.registerKernel(config);
    added.add(config.kernelName);
  }
  return registeredKernels();
}

/**
 * Swaps in the faster replacements from WASM_PERFORMANCE_OVERRIDES, remembering the native configs so
 * {@link restoreNativeWasmKernels} can undo it. Idempotent.
 */
export function overrideWasmKernels(): string[] {
  for (const { kernelName, make } of WASM_PERFORMANCE_OVERRIDES) {
    if (overridden.has(kernelName)) continue;
    const native = tf.getKernel(kernelName, 'wasm');
    if (native === undefined) continue;
    // Unregister first: registerKernel on an existing name works but logs a warning every time.
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(make(native));
    overridden.set(kernelName, native);
  }
  return registeredKernels();
}

/** Puts the native wasm kernels replaced by {@link overrideWasmKernels} back. */
export function restoreNativeWasmKernels(): void {
  for (const [kernelName, native] of overridden) {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(native);
  }
  overridden.clear();
}

function registeredKernels(): string[] {
  return [...added, ...overridden.keys()];
}

/**
 * Tries to load a native tfjs-node package, which registers the 'tensorflow' backend as a side effect.
 * The name arrives as a plain string so neither tsc nor bundlers need the (optional, usually absent)
 * package or its types.
 */
async function tryNative(moduleName: string): Promise<boolean> {
  try {
    await import(moduleName);
  } catch {
    return false;
  }
  return tf.findBackend('tensorflow') !== null && (await tf.setBackend('tensorflow'));
}

const NATIVE_MODULES: Record<'node' | 'node-gpu', string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

async function activate(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' failed to initialise`);
}

/**
 * Selects and initialises the tfjs backend used for training.
 *
 * - 'auto': tfjs-node-gpu, then tfjs-node if installed (both far faster than wasm), otherwise wasm.
 * - 'wasm': wasm plus the kernels it lacks for training (and, unless disabled, the faster overrides).
 * - 'cpu': the pure-JS reference backend; slow, but useful to cross-check numerics.
 * - 'node' / 'node-gpu': explicit; throws if the package is not installed.
 *
 * tfjs backends are process-global, so this affects every tf call made afterwards in the process.
 */
export async function initTrainingBackend(
  pref: TrainingBackendPreference = 'auto',
  options: TrainingBackendOptions = {},
): Promise<TrainingBackendInfo> {
  if (pref === 'node' || pref === 'node-gpu') {
    const moduleName = NATIVE_MODULES[pref];
    if (!(await tryNative(moduleName))) throw new Error(`${moduleName} is not installed or failed to load`);
  } else if (pref === 'cpu') {
    await activate('cpu');
  } else if (
    pref === 'wasm' ||
    !((await tryNative(NATIVE_MODULES['node-gpu'])) || (await tryNative(NATIVE_MODULES.node)))
  ) {
    registerWasmTrainingKernels();
    if (options.wasmOverrides ?? true) overrideWasmKernels();
    else restoreNativeWasmKernels();
    await activate('wasm');
  }
  await tf.ready();
  return { backend: tf.getBackend(), kernelsRegistered: registeredKernels() };
}
