import type { Skipped } from '../data/pairing';
import { downloadJson } from './download';

interface Group {
  reason: string;
  files: string[];
}

/** Reasons shared by many files (10,000 stray .txt files) collapse to one line; the rest stay one per file. */
export function groupSkipped(skipped: Skipped[], collapseAbove = 5): Array<Group> {
  const byReason = new Map<string, string[]>();
  for (const s of skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.file]);
  const out: Group[] = [];
  for (const [reason, files] of byReason) {
    if (files.length > collapseAbove) out.push({ reason, files });
    else for (const file of files) out.push({ reason, files: [file] });
  }
  return out.sort((a, b) => a.files[0].localeCompare(b.files[0]));
}

export function SkippedList({ title, items, testId, open }: { title: string; items: Skipped[]; testId: string; open: boolean }) {
  if (items.length === 0) return null;
  const groups = groupSkipped(items);
  return (
    <details className="skipped" data-testid={testId} open={open}>
      <summary>{title}</summary>
      <ul>
        {groups.slice(0, 300).map((g) => (
          <li key={`${g.files[0]}:${g.reason}`} data-testid={`${testId}-item`}>
            {g.files.length === 1 ? (
              <code>{g.files[0]}</code>
            ) : (
              <>
                <strong>{g.files.length} files</strong> (<code>{g.files[0]}</code>, <code>{g.files[1]}</code>, ...)
              </>
            )}
            : {g.reason}
          </li>
        ))}
      </ul>
      {groups.length > 300 && <p className="muted">...and {groups.length - 300} more.</p>}
      <button type="button" onClick={() => downloadJson(`${testId}.json`, items)}>
        Download the full list
      </button>
    </details>
  );
}
