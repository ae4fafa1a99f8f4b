import { describe, expect, it } from 'vitest';
import { warmUpMessage } from './backend';

describe('warmUpMessage', () => {
  it('speaks of shaders only on the GPU backends', () => {
    expect(warmUpMessage('webgl')).toBe('Compiling shaders: the first steps are slow');
    expect(warmUpMessage('webgpu')).toBe('Compiling shaders: the first steps are slow');
    expect(warmUpMessage('wasm')).toBe('Warming up: the first steps are slower');
    expect(warmUpMessage('cpu')).toBe('Warming up: the first steps are slower');
  });
});
