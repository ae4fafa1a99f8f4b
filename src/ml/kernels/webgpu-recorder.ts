/**
 * Records every program the webgpu backend dispatches while a computation runs: the program's class,
 * its workgroup grid, its input and output shapes, the uniforms it was given and its own fields. The
 * census (webgpu-census.ts) reads each record's serial loop length from them.
 *
 * Two modes:
 * - 'execute': the programs run as usual and are recorded afterwards (optionally timed, each in its
 *   own compute pass with GPU timestamps, by the backend's own `time`).
 * - 'record-only': nothing is compiled or dispatched. tfjs builds each program object from shapes and
 *   attributes alone (no kernel of a training step reads tensor values to choose a program), so the
 *   recorded programs are the ones a real step would run; outputs still get GPU buffers and inputs are
 *   still uploaded, so the backend's "small tensor on the CPU" short cuts take the same paths. The
 *   values are garbage (never-written buffers), which no shape depends on. This is what lets the census
 *   cover full-size steps (128x192, batch 4) in seconds on SwiftShader, where running them takes minutes;
 *   the harness checks both modes give the same records on a small step.
 */
import * as tf from '@tensorflow/tfjs';

export type Uniform = { type: string; data: number[] };

export interface ProgramRecord {
  /** The program's class name (tfjs's own names, e.g. 'Conv2DDerFilterProgram'). */
  program: string;
  /** The tfjs kernel that dispatched it (outermost registered kernel; ours run webgpu's programs inside). */
  kernel: string;
  dispatch: number[];
  workgroupSize: number[];
  inputShapes: number[][];
  outputShape: number[];
  /** The program-defined uniforms, in order (shapes and strides are the inputs' and output's). */
  uniforms: Uniform[];
  /** The program object's own plain fields (JSON-safe): tile sizes, layouts, flags. */
  fields: Record<string, unknown>;
  /** GPU time of this dispatch, when timed. */
  ms?: number;
}

interface ProgramLike {
  outputShape: number[];
  dispatch: number[];
  workgroupSize: number[];
  constructor: { name: string };
}

type RunProgram = (program: ProgramLike, inputs: tf.TensorInfo[], outputDtype: tf.DataType, uniforms?: Uniform[], output?: tf.TensorInfo) => tf.TensorInfo;

/** The parts of tfjs-backend-webgpu's WebGPUBackend the recorder touches. */
export interface WebGpuBackendLike {
  runWebGPUProgram: RunProgram;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  time(f: () => void): Promise<{ getExtraProfileInfo?: () => string }>;
}

export type RecordMode = 'execute' | 'record-only';

function snapshotFields(program: ProgramLike): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) {
    // The pipeline and its cache key (shaderKey) are set by running the program, not by its choice.
    if (key === 'pipeline' || key === 'shaderKey' || typeof value === 'function') continue;
    try {
      out[key] = JSON.parse(JSON.stringify(value)) as unknown;
    } catch {
      // not JSON-safe (a GPU object): not a shape fact
    }
  }
  return out;
}

/** The webgpu backend, checked: recording another backend would silently record nothing. */
export function webGpuBackend(): WebGpuBackendLike {
  if (tf.getBackend() !== 'webgpu') throw new Error(`the dispatch recorder needs the webgpu backend; the backend in use is ${tf.getBackend()}`);
  return tf.backend() as unknown as WebGpuBackendLike;
}

/**
 * Names each dispatch after the outermost registered kernel running when it was made: each webgpu
 * kernel config's function is wrapped for the duration (and restored), as the engine looks the config
 * up on every call.
 */
function trackKernels(): { current(): string; restore(): void } {
  const stack: string[] = [];
  const configs = tf.getKernelsForBackend('webgpu');
  const originals = configs.map((config) => config.kernelFunc);
  configs.forEach((config, i) => {
    const original = originals[i];
    (config as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => {
      stack.push(config.kernelName);
      try {
        return original(args);
      } finally {
        stack.pop();
      }
    };
  });
  return {
    current: () => stack[0] ?? '(outside a kernel)',
    restore: () => configs.forEach((config, i) => ((config as { kernelFunc: tf.KernelFunc }).kernelFunc = originals[i])),
  };
}

/**
 * Runs `f` with every program dispatch recorded into `records`; the backend is restored after.
 * `f` is synchronous: a training step returns its loss tensor before the GPU finishes.
 */
function withRecorder<T>(mode: RecordMode, records: ProgramRecord[], f: () => T): T {
  const backend = webGpuBackend();
  const original = backend.runWebGPUProgram;
  const kernels = trackKernels();
  const record = (program: ProgramLike, inputs: tf.TensorInfo[], uniforms?: Uniform[]) =>
    records.push({
      program: program.constructor.name,
      kernel: kernels.current(),
      dispatch: [...program.dispatch],
      workgroupSize: [...program.workgroupSize],
      inputShapes: inputs.map((t) => [...t.shape]),
      outputShape: [...program.outputShape],
      uniforms: (uniforms ?? []).map((u) => ({ type: u.type, data: [...u.data] })),
      fields: snapshotFields(program),
    });
  backend.runWebGPUProgram = function (this: WebGpuBackendLike, program, inputs, outputDtype, uniforms, output) {
    // Recorded as constructed, before running: running sets defaults (outputComponent), the pipeline
    // and its cache key, and lays a grid wider than 65,535 workgroups out in two dimensions.
    if (tf.util.sizeFromShape(output?.shape ?? program.outputShape) > 0) record(program, inputs, uniforms);
    if (mode === 'execute') return original.call(this, program, inputs, outputDtype, uniforms, output);
    const out = output ?? this.makeTensorInfo(program.outputShape, outputDtype);
    if (tf.util.sizeFromShape(out.shape) === 0) return original.call(this, program, inputs, outputDtype, uniforms, out);
    this.uploadToGPU(out.dataId);
    for (const input of inputs) this.uploadToGPU(input.dataId);
    return out;
  };
  try {
    return f();
  } finally {
    // The instance property shadowed the prototype's method: deleting it restores the original.
    delete (backend as Partial<WebGpuBackendLike>).runWebGPUProgram;
    if (backend.runWebGPUProgram !== original) backend.runWebGPUProgram = original;
    kernels.restore();
  }
}

/** Runs `f` and returns its result with the programs it dispatched (or, record-only, would have). */
export function recordDispatches<T>(mode: RecordMode, f: () => T): { result: T; records: ProgramRecord[] } {
  const records: ProgramRecord[] = [];
  const result = withRecorder(mode, records, f);
  return { result, records };
}

/**
 * Runs `f` and records its programs with the GPU time of each: the backend's own profiling runs each
 * program in its own compute pass between timestamp queries.
 */
export async function timeDispatches<T>(f: () => T): Promise<{ result: T; records: ProgramRecord[] }> {
  const backend = webGpuBackend();
  const records: ProgramRecord[] = [];
  let result: T | undefined;
  const timing = await backend.time(() => {
    result = withRecorder('execute', records, f);
  });
  const times = parseProgramTimes(timing.getExtraProfileInfo?.() ?? '');
  if (times.length !== records.length) throw new Error(`timed ${times.length} programs but recorded ${records.length}`);
  times.forEach((t, i) => {
    if (t.name !== records[i].program) throw new Error(`timer ${i} is ${t.name}, record ${i} is ${records[i].program}`);
    records[i].ms = t.ms;
  });
  return { result: result as T, records };
}

/** The backend's profile string, "Name: ms, Name: ms, ...", in dispatch order. */
export function parseProgramTimes(info: string): Array<{ name: string; ms: number }> {
  if (info.trim() === '') return [];
  return info.split(', ').map((entry) => {
    const at = entry.lastIndexOf(': ');
    return { name: entry.slice(0, at), ms: Number(entry.slice(at + 2)) };
  });
}
