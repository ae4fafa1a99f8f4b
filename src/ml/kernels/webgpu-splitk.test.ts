import { describe, expect, it } from 'vitest';
import { chunkLength } from './webgpu-splitk';
import { channelGroups } from './webgpu-conv';

describe('split-K shapes', () => {
  it("cuts the stem's 98,304 pixels (one 32x32 output tile) into 768 chunks of 128", () => {
    // 65,536 invocations wanted / 64 per tile = 1,024 chunks -> 96 pixels each, raised to the 128 minimum.
    expect(chunkLength(98_304, 1)).toBe(128);
  });

  it('gives a wide output fewer, longer chunks, at most 1,024 pixels', () => {
    // 36 x 2 tiles: 15 chunks wanted -> 6,554 pixels, capped at 1,024 (a divisor of 98,304).
    expect(chunkLength(98_304, 72)).toBe(1024);
    // 3,072 pixels, 5 tiles: 205 chunks wanted -> 15 pixels, raised to 128, which divides 3,072.
    expect(chunkLength(3_072, 5)).toBe(128);
  });

  it('keeps a short reduction whole, and asks for padding when no divisor is near', () => {
    expect(chunkLength(100, 1)).toBe(100);
    // 143 = 11 x 13 has no divisor in (64, 128]: 128, with the rows padded to 256.
    expect(chunkLength(143, 1)).toBe(128);
    // 384 = 3 x 128.
    expect(chunkLength(384, 1)).toBe(128);
  });

  it("splits seed-unet's deep 3x3 conv over 512 channels (K = 4,608) into 8 groups of 576", () => {
    expect(channelGroups(512, 9)).toBe(8);
    expect(channelGroups(16, 9)).toBe(1);
    // No divisor of a prime but itself: one channel per group.
    expect(channelGroups(1031, 9)).toBe(1031);
  });
});
