import { describe, expect, it } from 'vitest';
import { census, invocations, serialSteps, starvesGpu, uniformsByName } from './webgpu-census';
import type { ProgramRecord } from './webgpu-recorder';

/** A record as the recorder makes it; the values below are tfjs 4.22's, read from its kernels by hand. */
function record(program: string, over: Partial<ProgramRecord>): ProgramRecord {
  return { program, kernel: 'K', dispatch: [1, 1, 1], workgroupSize: [64, 1, 1], inputShapes: [], outputShape: [1], uniforms: [], fields: {}, ...over };
}

const int = (...data: number[]) => ({ type: 'int32', data });

// tfjs's Conv2DBackpropFilter for transunet's stem at 128x192, batch 4: dW [3, 3, 3, 16] = 432
// weights, one invocation each (7 workgroups of 64), each summing over 4 x 128 x 192 pixels.
const stemFilterGrad = record('Conv2DDerFilterProgram', {
  kernel: 'Conv2DBackpropFilter',
  dispatch: [7, 1, 1],
  uniforms: [int(1, 1), int(1, 1), int(4), int(128), int(192), int(128), int(192)],
  fields: { uniforms: 'pads : vec2<i32>, strides : vec2<i32>, batchSize : i32, outHeight : i32, outWidth : i32, inHeight : i32, inWidth : i32,' },
});

describe('dispatch census', () => {
  it('reads uniforms by their declared names', () => {
    expect(uniformsByName(stemFilterGrad)).toMatchObject({ pads: [1, 1], batchSize: [4], outWidth: [192] });
  });

  it("flags tfjs's filter gradient of the stem: 448 invocations of 98,304 steps", () => {
    expect(invocations(stemFilterGrad)).toBe(448);
    expect(serialSteps(stemFilterGrad)).toBe(98_304);
    expect(starvesGpu({ invocations: 448, serialSteps: 98_304 })).toBe(true);
  });

  it('passes a wide dispatch with a long loop, and a narrow one with a short loop', () => {
    expect(starvesGpu({ invocations: 16_384, serialSteps: 98_304 })).toBe(false);
    expect(starvesGpu({ invocations: 64, serialSteps: 4_096 })).toBe(false);
    expect(starvesGpu({ invocations: 16_383, serialSteps: 4_097 })).toBe(true);
  });

  it('counts a tiled matmul loop in whole tiles of K, a reduction in strides of its workgroup plus the tree', () => {
    const matmul = record('MatMulPackedProgram', {
      dispatch: [1, 1, 768],
      workgroupSize: [8, 8, 1],
      uniforms: [int(27), int(16), int(130)],
      fields: { uniforms: 'dimAOuter : i32, dimBOuter : i32, dimInner : i32,', tileInner: 32 },
    });
    expect(serialSteps(matmul)).toBe(160); // 5 tiles of 32
    expect(invocations(matmul)).toBe(768 * 64);
    const reduce = record('ReduceProgram', {
      dispatch: [432, 1, 1],
      workgroupSize: [64, 1, 1],
      uniforms: [int(768)],
      fields: { uniforms: 'reduceSize : i32,' },
    });
    expect(serialSteps(reduce)).toBe(768 / 64 + 6);
  });

  it('refuses a program it has no rule for, naming it and its kernel', () => {
    expect(() => serialSteps(record('FancyNewProgram', { kernel: 'Fancy' }))).toThrow(/no rule for program FancyNewProgram \(kernel Fancy\)/);
  });

  it('refuses uniforms that do not match the declaration', () => {
    const broken = { ...stemFilterGrad, uniforms: stemFilterGrad.uniforms.slice(1) };
    expect(() => serialSteps(broken)).toThrow(/declares 7 uniforms .* but was given 6/);
  });

  it('counts identical dispatches together and sums their times', () => {
    const entries = census([
      { ...stemFilterGrad, ms: 2 },
      { ...stemFilterGrad, ms: 3 },
    ]);
    expect(entries).toEqual([
      { program: 'Conv2DDerFilterProgram', kernel: 'Conv2DBackpropFilter', invocations: 448, serialSteps: 98_304, dispatches: 2, ms: 5 },
    ]);
  });
});
