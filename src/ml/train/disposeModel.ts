/**
 * Disposing a LayersModel frees its weights but not its graph: tfjs-layers' executor keeps the
 * topologically sorted graph of every model it has run in a module-level LRU cache (100 entries,
 * keyed by the model's unique tensor names), and that graph holds the model's layers, nodes and
 * weight objects. Each run builds a new model, so without this each finished run left ~150-190 KB
 * of JS heap behind in the worker.
 */
import * as tf from '@tensorflow/tfjs';

/** tfjs-layers' flag for the size of that cache; setting it resizes the cache (tfjs-layers flags_layers.ts). */
const GRAPH_CACHE_FLAG = 'TOPOLOGICAL_SORT_CACHE_MAX_ENTRIES';

/**
 * Empties the executor's graph cache: the models still in use rebuild their entry (one topological
 * sort) at their next call. There is no way to drop one model's entry alone.
 */
export function forgetModelGraphs(): void {
  const env = tf.env();
  const entries = env.getNumber(GRAPH_CACHE_FLAG);
  env.set(GRAPH_CACHE_FLAG, 0);
  env.set(GRAPH_CACHE_FLAG, entries);
}

/** Disposes `model` (and `optimizer`, when given) and lets go of the graph the executor cached for it. */
export function disposeModel(model: tf.LayersModel, optimizer?: tf.Optimizer | null): void {
  optimizer?.dispose();
  model.dispose();
  forgetModelGraphs();
}
