/**
 * ONNX Runtime in a worker thread. onnxruntime-node runs a session synchronously on the thread
 * that calls it, so on the main thread every VAD and emotion batch would stall WebSocket I/O and
 * feature extraction; here they run on another core. Plain JavaScript so that it loads the same
 * way under tsx, vitest and plain node.
 *
 * Messages in: {op:'load', id, name, path, options} | {op:'run', id, name, feeds} | {op:'release', id, name}
 * where feeds = {inputName: {type, data, dims}}. Replies: {id, ok:true, ...} or {id, ok:false, error}.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

/** @type {Map<string, import('onnxruntime-node').InferenceSession>} */
const sessions = new Map();

/** @param {unknown} e */
const message = (e) => (e instanceof Error ? e.message : String(e));

parentPort?.on('message', async (msg) => {
  const { id, op, name } = msg;
  try {
    if (op === 'load') {
      const s = await ort.InferenceSession.create(msg.path, msg.options);
      sessions.set(name, s);
      parentPort?.postMessage({ id, ok: true, inputNames: s.inputNames, outputNames: s.outputNames });
    } else if (op === 'run') {
      const s = sessions.get(name);
      if (!s) throw new Error(`no session '${name}'`);
      /** @type {Record<string, import('onnxruntime-node').Tensor>} */
      const feeds = {};
      for (const [k, t] of Object.entries(msg.feeds)) feeds[k] = new ort.Tensor(t.type, t.data, t.dims);
      const out = await s.run(feeds);
      /** @type {Record<string, {type: string, data: unknown, dims: readonly number[]}>} */
      const outputs = {};
      const transfer = [];
      for (const [k, t] of Object.entries(out)) {
        outputs[k] = { type: t.type, data: t.data, dims: t.dims };
        const buf = /** @type {{buffer: ArrayBuffer}} */ (/** @type {unknown} */ (t.data)).buffer;
        if (buf instanceof ArrayBuffer && !transfer.includes(buf)) transfer.push(buf);
      }
      parentPort?.postMessage({ id, ok: true, outputs }, transfer);
    } else if (op === 'release') {
      await sessions.get(name)?.release();
      sessions.delete(name);
      parentPort?.postMessage({ id, ok: true });
    } else throw new Error(`unknown op '${op}'`);
  } catch (e) {
    parentPort?.postMessage({ id, ok: false, error: message(e) });
  }
});
