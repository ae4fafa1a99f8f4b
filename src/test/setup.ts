/** Vitest setup: Node's tfjs runs on the cpu backend, which training needs corrected (see cpu-fixes.ts). */
import { registerCpuKernelFixes } from '../ml/kernels/cpu-fixes';

registerCpuKernelFixes();
