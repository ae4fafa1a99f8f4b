import { describe, expect, it } from 'vitest';
import { isOtherOrigin } from './outsideRequests';

const OWN = 'http://127.0.0.1:5173';

describe('isOtherOrigin', () => {
  it('tells this origin from others by scheme, host and port', () => {
    expect(isOtherOrigin('http://127.0.0.1:5173/assets/x.wasm', OWN)).toBe(false);
    expect(isOtherOrigin('https://example.com/x', OWN)).toBe(true);
    expect(isOtherOrigin('http://localhost:5173/', OWN)).toBe(true); // another host name is another origin
    expect(isOtherOrigin('http://127.0.0.1:5174/', OWN)).toBe(true);
    expect(isOtherOrigin('https://127.0.0.1:5173/', OWN)).toBe(true);
  });

  it("counts a WebSocket to this host and port as this origin, as CSP's 'self' does", () => {
    expect(isOtherOrigin('ws://127.0.0.1:5173/?token=1', OWN)).toBe(false);
    expect(isOtherOrigin('ws://127.0.0.1:24678/', OWN)).toBe(true);
    expect(isOtherOrigin('wss://example.com/', OWN)).toBe(true);
  });

  it("is false for what is not a network request: the page's blob: and data: URLs, the policy's keywords", () => {
    expect(isOtherOrigin('blob:http://127.0.0.1:5173/0b6c2f0e-4b0a-4c1e-9d59-6d3c2b7d1a10', OWN)).toBe(false);
    expect(isOtherOrigin('data:image/png;base64,iVBORw0KGgo=', OWN)).toBe(false);
    expect(isOtherOrigin('inline', OWN)).toBe(false);
    expect(isOtherOrigin('eval', OWN)).toBe(false);
    expect(isOtherOrigin('', OWN)).toBe(false);
  });
});
