import { expect, test } from './fixtures';

// The atrous conv must train on the GPU backends, not only on cpu: its forward matches tf.conv2d
// with dilations and its gradients match the cpu backend's (float32 on SwiftShader: 1e-4 relative).
for (const backend of ['webgl', 'webgpu'] as const) {
  test(`atrous conv forward and gradients on ${backend} match the references`, async ({ page }) => {
    await page.goto('/');
    const result = await page.evaluate(async (name) => {
      const harnessUrl = '/e2e/harness/atrous-check.ts'; // served by the Vite dev server
      const harness = await import(/* @vite-ignore */ harnessUrl);
      return harness.checkAtrous(name);
    }, backend);
    expect(result.backend).toBe(backend);
    expect(result.forwardVsConv2d).toBeLessThan(1e-5);
    expect(result.dxVsCpu).toBeLessThan(1e-4);
    expect(result.dwVsCpu).toBeLessThan(1e-4);
  });
}
