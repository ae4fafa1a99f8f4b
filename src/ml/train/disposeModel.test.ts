/** A disposed model leaves nothing behind in tfjs-layers' graph cache, and the models still in use keep working. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildPreset } from '../model';
import { disposeModel } from './disposeModel';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collected once nothing holds it (WeakRefs made in this turn live to its end, so wait a turn first). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5 && ref.deref(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
  return ref.deref() === undefined;
}

function run(model: tf.LayersModel, x: tf.Tensor): Promise<Float32Array> {
  const y = model.apply(x, { training: false }) as tf.Tensor;
  return y.data().finally(() => y.dispose()) as Promise<Float32Array>;
}

describe('disposeModel', () => {
  it("lets a disposed model's layers be collected, though the executor cached its graph", async () => {
    const x = tf.randomUniform([1, 16, 32, 3]);
    const kept = buildPreset('tiny', { height: 16, width: 32 });
    const before = await run(kept, x);
    const ref = await (async () => {
      const gone = buildPreset('tiny', { height: 16, width: 32 });
      await run(gone, x);
      tf.dispose(gone.predict(x) as tf.Tensor); // predict caches its graph too
      const layer = new WeakRef(gone.layers[gone.layers.length - 1]);
      disposeModel(gone);
      return layer;
    })();
    expect(await collected(ref), 'the disposed model is still reachable').toBe(true);
    // The model in use rebuilds its cache entry and computes the same thing.
    expect(await run(kept, x)).toEqual(before);
    disposeModel(kept);
    x.dispose();
  });
});
