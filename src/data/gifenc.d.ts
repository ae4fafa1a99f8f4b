// gifenc ships no types; this covers the part the project uses.
declare module 'gifenc' {
  export type GifPalette = number[][];

  export interface GifFrameOptions {
    palette?: GifPalette;
    /** Milliseconds. */
    delay?: number;
    /** -1 writes no loop extension (a still image), 0 loops forever. */
    repeat?: number;
    transparent?: boolean;
    transparentIndex?: number;
    /** Bits per palette index; also the LZW minimum code size (at least 2). */
    colorDepth?: number;
    dispose?: number;
    first?: boolean;
  }

  export interface GifEncoderStream {
    writeFrame(index: Uint8Array, width: number, height: number, options?: GifFrameOptions): void;
    finish(): void;
    bytes(): Uint8Array;
    bytesView(): Uint8Array;
    reset(): void;
  }

  export function GIFEncoder(options?: { auto?: boolean; initialCapacity?: number }): GifEncoderStream;
}
