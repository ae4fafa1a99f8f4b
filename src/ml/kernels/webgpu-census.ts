/**
 * The dispatch census: can each program a training step dispatches fill a GPU?
 *
 * A GPU runs tens of thousands of invocations at once; a dispatch of few invocations that each walk
 * a long serial loop leaves it idle for as long as that loop takes. For every recorded program
 * (webgpu-recorder.ts) this reads the invocations it launches (workgroups x workgroup size) and the
 * longest serial loop one invocation runs, counted in reduction elements: the K of a tiled matmul
 * (tile by tile), batch x outHeight x outWidth for tfjs's filter gradient, the filter window of a
 * pool. Both come from the program's own fields, its dispatch and the uniforms tfjs gave it, so the
 * census needs no GPU: SwiftShader records the same programs a hardware adapter would run.
 *
 * Each program class has an explicit rule; a class without one is an error, so a new kernel cannot
 * pass the census unread.
 */
import type { ProgramRecord } from './webgpu-recorder';

/** Fewer invocations than this cannot occupy a GPU (an H100 holds ~270k resident threads)... */
export const MIN_INVOCATIONS = 16_384;
/** ...and then a serial loop longer than this keeps it waiting. */
export const MAX_SERIAL_STEPS = 4_096;

/** A program's uniforms by name, from its declaration ('pads : vec2<i32>, dimInner : i32, ...') and the values it was given. */
export function uniformsByName(record: ProgramRecord): Record<string, number[]> {
  const declaration = typeof record.fields.uniforms === 'string' ? record.fields.uniforms : '';
  const names = declaration
    .split(',')
    .map((part) => part.split(':')[0].trim())
    .filter((name) => name !== '');
  if (names.length !== record.uniforms.length) {
    throw new Error(
      `${record.program} (kernel ${record.kernel}): declares ${names.length} uniforms (${names.join(', ')}) but was given ${record.uniforms.length}`,
    );
  }
  return Object.fromEntries(names.map((name, i) => [name, record.uniforms[i].data]));
}

function uniform(record: ProgramRecord, name: string, index = 0): number {
  const value = uniformsByName(record)[name]?.[index];
  if (value === undefined) throw new Error(`${record.program} (kernel ${record.kernel}): no uniform ${name}[${index}]`);
  return value;
}

function field(record: ProgramRecord, name: string): number {
  const value = record.fields[name];
  if (typeof value !== 'number') throw new Error(`${record.program} (kernel ${record.kernel}): no numeric field ${name}`);
  return value;
}

const roundUp = (value: number, step: number) => Math.ceil(value / step) * step;
/** A workgroup's shared-memory tree reduction after each thread's strided loop. */
const treeSteps = (size: number) => Math.ceil(Math.log2(Math.max(1, size)));
/** Programs that write one element (or a few) per invocation with no loop over a reduction. */
const elementwise = (record: ProgramRecord) => (typeof record.fields.workPerThread === 'number' ? record.fields.workPerThread : 1);
/** A window loop stepping by the dilation: `for (w = 0; w < filterDims; w += dilations)`. */
const window = (record: ProgramRecord, dims: string, dilations?: string) =>
  [0, 1].reduce((n, i) => n * Math.ceil(uniform(record, dims, i) / (dilations ? uniform(record, dilations, i) : 1)), 1);

/** Serial reduction steps of one invocation, per program class (read from tfjs-backend-webgpu 4.22's shaders). */
const SERIAL_STEPS: Record<string, (record: ProgramRecord) => number> = {
  // for b < batchSize, yR < outHeight, yC < outWidth: one multiply-add each.
  Conv2DDerFilterProgram: (r) => uniform(r, 'batchSize') * uniform(r, 'outHeight') * uniform(r, 'outWidth'),
  // for wR, wC over the filter, d2 over the output channels.
  Conv2DDerInputProgram: (r) => window(r, 'filterDims') * uniform(r, 'outBackprop', 3),
  // Tiled matmuls: numTiles = ceil(dimInner / tileInner) tiles of tileInner steps.
  Conv2DMMProgram: (r) => roundUp(uniform(r, 'dimInner'), field(r, 'tileInner')),
  MatMulPackedProgram: (r) => roundUp(uniform(r, 'dimInner'), field(r, 'tileInner')),
  // tileInner = the larger workgroup side.
  MatMulSmallOutputSizeProgram: (r) => roundUp(uniform(r, 'dimInner'), Math.max(r.workgroupSize[0], r.workgroupSize[1])),
  // Each z slice of the grid takes splitedDimInner of K, then adds atomically.
  MatMulSplitKProgram: (r) => field(r, 'splitedDimInner'),
  // A workgroup per output: each thread strides K by the workgroup size, then a tree.
  MatMulReduceProgram: (r) => Math.ceil(uniform(r, 'dimInner') / r.workgroupSize[0]) + treeSteps(r.workgroupSize[0]),
  ReduceProgram: (r) => Math.ceil(uniform(r, 'reduceSize') / r.workgroupSize[0]) + treeSteps(Math.min(uniform(r, 'reduceSize'), r.workgroupSize[0])),
  // A workgroup per row: max, sum and write passes over the columns, two trees.
  SoftmaxProgram: (r) => 3 * Math.ceil(r.outputShape[1] / r.workgroupSize[0]) + 2 * treeSteps(r.workgroupSize[0]),
  Pool2DProgram: (r) => window(r, 'filterDims', 'dilations'),
  MaxPool2DBackpropProgram: (r) => window(r, 'filterDims', 'dilations'),
  DepthwiseConv2DProgram: (r) => uniform(r, 'filterHeight') * uniform(r, 'filterWidth'),
  // The filter window for each of workPerThread outputs.
  DepthwiseConv2DVec4Program: (r) => {
    const info = r.fields.convInfo as { filterHeight?: number; filterWidth?: number } | undefined;
    if (!info?.filterHeight || !info.filterWidth) throw new Error(`DepthwiseConv2DVec4Program (kernel ${r.kernel}): no convInfo`);
    return info.filterHeight * info.filterWidth * field(r, 'workPerThread');
  },
  ResizeBilinearBackpropProgram: (r) => uniform(r, 'winHeight') * uniform(r, 'winWidth'),
  // AddN sums its inputs per element.
  AddNPackedProgram: (r) => r.inputShapes.length,
  BinaryOpProgram: elementwise,
  UnaryOpProgram: elementwise,
  TransposeProgram: elementwise,
  TransposeSharedProgram: elementwise,
  SliceProgram: elementwise,
  StridedSliceProgram: elementwise,
  TileProgram: elementwise,
  ConcatProgram: elementwise,
  PadProgram: elementwise,
  FillProgram: elementwise,
  Im2ColProgram: elementwise,
  BatchNormProgram: elementwise,
  BiasActivationProgram: elementwise,
  ResizeBilinearProgram: elementwise,
  SpaceToBatchNDProgram: elementwise,
  SelectProgram: elementwise,
  ClipProgram: elementwise,
  ClipVec4Program: elementwise,
};

export function invocations(record: ProgramRecord): number {
  return [...record.dispatch, ...record.workgroupSize].reduce((a, b) => a * b, 1);
}

export function serialSteps(record: ProgramRecord): number {
  const rule = SERIAL_STEPS[record.program];
  if (!rule) {
    throw new Error(
      `The dispatch census has no rule for program ${record.program} (kernel ${record.kernel}): read its shader in tfjs-backend-webgpu and add its serial loop to SERIAL_STEPS in webgpu-census.ts.`,
    );
  }
  return rule(record);
}

export interface CensusEntry {
  program: string;
  kernel: string;
  invocations: number;
  serialSteps: number;
  /** Sum of the GPU times of the dispatches, when timed. */
  ms?: number;
  dispatches: number;
}

/** Does this dispatch leave a GPU idle: few invocations, each with a long serial loop? */
export function starvesGpu(entry: Pick<CensusEntry, 'invocations' | 'serialSteps'>): boolean {
  return entry.invocations < MIN_INVOCATIONS && entry.serialSteps > MAX_SERIAL_STEPS;
}

/**
 * One entry per (kernel, program, invocations, serial steps): identical dispatches counted together,
 * in order of first appearance.
 */
export function census(records: ProgramRecord[]): CensusEntry[] {
  const entries = new Map<string, CensusEntry>();
  for (const record of records) {
    const entry = { program: record.program, kernel: record.kernel, invocations: invocations(record), serialSteps: serialSteps(record) };
    const key = `${entry.kernel}|${entry.program}|${entry.invocations}|${entry.serialSteps}`;
    const seen = entries.get(key);
    if (seen) {
      seen.dispatches++;
      if (record.ms !== undefined) seen.ms = (seen.ms ?? 0) + record.ms;
    } else {
      entries.set(key, { ...entry, dispatches: 1, ...(record.ms !== undefined ? { ms: record.ms } : {}) });
    }
  }
  return [...entries.values()];
}

/** The census entries that starve a GPU. */
export function starving(records: ProgramRecord[]): CensusEntry[] {
  return census(records).filter(starvesGpu);
}
