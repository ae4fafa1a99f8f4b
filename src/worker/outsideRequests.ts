/**
 * Counts this context's requests to other origins, for the privacy read-out: the page runs one
 * counter, the training worker another (each context sees only its own requests).
 *
 * `sent`: resource-timing entries (fetches, images, scripts...) whose URL is on another origin: requests
 * that went out (Chromium records failed ones too). `blocked`: attempts the Content-Security-Policy
 * stopped before any request was made (a blocked fetch leaves no resource-timing entry), from the
 * violations whose blocked URL is on another origin. Violations that are not requests (an inline
 * script, eval) are not counted.
 */
export interface OutsideRequests {
  sent: number;
  blocked: number;
}

const WEB_SCHEMES: Record<string, string> = { 'http:': 'http:', 'https:': 'https:', 'ws:': 'http:', 'wss:': 'https:' };

/**
 * True when `url` is a network address on another origin than `ownOrigin`. A WebSocket to the page's own
 * host and port counts as its own origin (as CSP's 'self' does); blob:, data: and the policy's keywords
 * ('inline', 'eval') are not network requests.
 */
export function isOtherOrigin(url: string, ownOrigin: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const scheme = WEB_SCHEMES[parsed.protocol];
  if (!scheme) return false;
  return `${scheme}//${parsed.host}` !== ownOrigin;
}

/** The global scope of a page or a worker: both have these. */
interface Scope {
  location: { origin: string };
  addEventListener(type: 'securitypolicyviolation', listener: (event: SecurityPolicyViolationEvent) => void): void;
  removeEventListener(type: 'securitypolicyviolation', listener: (event: SecurityPolicyViolationEvent) => void): void;
}

/**
 * Watches `scope` and calls `onChange` with the running totals each time one grows (never for zero).
 * Entries from before the call count too (a buffered observer). Returns the function that stops it.
 */
export function watchOutsideRequests(scope: Scope, onChange: (counts: OutsideRequests) => void): () => void {
  const origin = scope.location.origin;
  const counts: OutsideRequests = { sent: 0, blocked: 0 };
  const observer = new PerformanceObserver((list) => {
    const sent = list.getEntries().filter((entry) => isOtherOrigin(entry.name, origin)).length;
    if (sent === 0) return;
    counts.sent += sent;
    onChange({ ...counts });
  });
  observer.observe({ type: 'resource', buffered: true });
  // Every policy in force reports each attempt it blocks: a page with the policy in its header and in
  // its <meta> hears of one blocked fetch twice. Counted per policy, the largest count is the attempts.
  const blockedByPolicy = new Map<string, number>();
  const onViolation = (event: SecurityPolicyViolationEvent) => {
    if (!isOtherOrigin(event.blockedURI, origin)) return;
    blockedByPolicy.set(event.originalPolicy, (blockedByPolicy.get(event.originalPolicy) ?? 0) + 1);
    const blocked = Math.max(...blockedByPolicy.values());
    if (blocked === counts.blocked) return;
    counts.blocked = blocked;
    onChange({ ...counts });
  };
  scope.addEventListener('securitypolicyviolation', onViolation);
  return () => {
    observer.disconnect();
    scope.removeEventListener('securitypolicyviolation', onViolation);
  };
}
