import { describe, expect, it } from 'vitest';
import { formatBytes } from './format';

describe('formatBytes', () => {
  it('picks the unit and the digits', () => {
    expect(formatBytes(900)).toBe('900 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(192 * 1024 ** 2)).toBe('192.0 MiB');
    expect(formatBytes(2 * 1024 ** 3 - 1024 ** 3 * 0.14)).toBe('1.86 GiB');
    expect(formatBytes(256 * 1024 ** 2, true)).toBe('256 MiB');
    expect(formatBytes(1024 ** 3, true)).toBe('1 GiB');
  });
});
