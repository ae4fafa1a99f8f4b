/** Optimizer names without importing tfjs, for the page's settings schema. */
export const OPTIMIZER_NAMES = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
