/** The PyTorch job's Python files, bundled as text by Vite (the CLI reads the same files from disk: cli/torchSources.ts). */
// The names match ml/io/torchJob.ts's TORCH_SOURCES (Vite needs the patterns literal).
const bundled: Record<string, string> = {
  ...import.meta.glob('../torch/studio_torch/*.py', { query: '?raw', import: 'default', eager: true }),
  ...import.meta.glob('../torch/train.py', { query: '?raw', import: 'default', eager: true }),
};

/** By path under src/torch: train.py, studio_torch/*.py. */
export const TORCH_SOURCE_FILES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(bundled).map(([path, text]) => [path.slice('../torch/'.length), text]),
);
