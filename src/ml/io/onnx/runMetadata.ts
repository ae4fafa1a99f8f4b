/** The ONNX file's metadata options read from a studio run.json: the same for the studio's export and `npm run export`. */
import type { OnnxExportOptions } from './export';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * Preset, threshold and a readable run label ("run 14:05, id 1a2b, best checkpoint, epoch 3") from a
 * run.json (the run record plus `exported: { which, epoch }`), where present; anything else gives {}.
 */
export function onnxRunOptions(run: unknown): Pick<OnnxExportOptions, 'preset' | 'threshold' | 'run'> {
  if (!isObject(run)) return {};
  const config = isObject(run.config) ? run.config : {};
  const exported = isObject(run.exported) ? run.exported : null;
  const label = [typeof run.name === 'string' ? run.name : null, typeof run.id === 'string' ? `id ${run.id}` : null]
    .concat(exported ? [`${String(exported.which)} checkpoint, epoch ${String(exported.epoch)}`] : [])
    .filter(Boolean)
    .join(', ');
  return {
    ...(typeof config.preset === 'string' ? { preset: config.preset } : {}),
    ...(typeof config.threshold === 'number' ? { threshold: config.threshold } : {}),
    ...(label ? { run: label } : {}),
  };
}
