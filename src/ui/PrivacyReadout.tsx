import { useEffect, useState } from 'react';
import { useStudio } from '../store/studioStore';
import { watchOutsideRequests, type OutsideRequests } from '../worker/outsideRequests';

const EXPLANATION =
  'Requests this page and its training worker made, or tried to make, to any origin but this one, since the page opened. ' +
  'Counted from the browser itself: resource timing (requests that went out, answered or not) plus Content-Security-Policy violations (attempts the ' +
  "page's policy blocked; it allows connections to this origin only). It should read 0.";

/** The privacy promise as a number anyone can check: requests to other origins, page and worker together. */
export function PrivacyReadout() {
  const [page, setPage] = useState<OutsideRequests>({ sent: 0, blocked: 0 });
  const worker = useStudio((state) => state.workerOutsideRequests);
  useEffect(() => watchOutsideRequests(window, setPage), []);
  const sent = page.sent + worker.sent;
  const blocked = page.blocked + worker.blocked;
  const count = sent + blocked;
  const detail = `Page: ${page.sent} sent, ${page.blocked} blocked. Worker: ${worker.sent} sent, ${worker.blocked} blocked.`;
  return (
    <p
      className="privacy"
      role="status"
      data-testid="privacy-readout"
      data-count={count}
      data-sent={sent}
      data-blocked={blocked}
      title={`${EXPLANATION}\n${detail}`}
      style={count > 0 ? { background: 'var(--warn-bg)', color: 'var(--warn)' } : undefined}
    >
      {count} {count === 1 ? 'request' : 'requests'} to other origins{blocked > 0 && ` (${blocked} blocked)`}
    </p>
  );
}
