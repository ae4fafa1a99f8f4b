import { useState } from 'react';
import { resplit, setSettings, useStudio } from '../store/studioStore';
import { downloadJson } from './download';

const PARTS = ['train', 'val', 'test'] as const;
/** Ratios travel as fractions (0.8): shown as percentages without float noise (80, not 80.00000000000001). */
const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Split by car: ratios and seed are the user's; the group ids of each split can be exported. */
export function SplitControls() {
  const split = useStudio((s) => s.dataset.split);
  // The fields show the split in use until edited (a resumed run may bring its own split).
  const [draft, setDraft] = useState<{ train: number; val: number; test: number; seed: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inUse = split && { train: round(split.ratios.train * 100), val: round(split.ratios.val * 100), test: round(split.ratios.test * 100), seed: split.seed };
  const shown = draft ?? inUse ?? { train: 80, val: 10, test: 10, seed: 1 };
  const percent = shown;
  const seed = shown.seed;
  const total = percent.train + percent.val + percent.test;
  const valid = Math.abs(total - 100) < 1e-9 && PARTS.every((p) => percent[p] >= 0);
  if (!split) return null;

  return (
    <div className="split">
      <h3>Split by car</h3>
      <div className="row">
        {PARTS.map((part) => (
          <label key={part} className="inline">
            {part} %
            <input
              type="number"
              min={0}
              max={100}
              value={percent[part]}
              aria-label={`${part} percent`}
              onChange={(e) => setDraft({ ...shown, [part]: Number(e.target.value) })}
            />
          </label>
        ))}
        <label className="inline">
          seed
          <input type="number" value={seed} aria-label="split seed" onChange={(e) => setDraft({ ...shown, seed: Math.trunc(Number(e.target.value)) })} />
        </label>
        <button
          type="button"
          disabled={!valid}
          onClick={() => {
            // Saved (and in the URL) first, so the next load, by any path, splits the same way.
            const problem = setSettings({ splitTrain: percent.train, splitVal: percent.val, splitTest: percent.test, splitSeed: seed });
            setError(problem);
            if (problem) return;
            resplit({ train: percent.train / 100, val: percent.val / 100, test: percent.test / 100 }, seed);
            setDraft(null);
          }}
        >
          Apply split
        </button>
        <button type="button" onClick={() => downloadJson('split.json', split)}>
          Export group ids
        </button>
      </div>
      {!valid && (
        <p className="error" role="alert">
          The three percentages must be non-negative and add up to 100 (now {total}).
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="split-table" data-testid="split-table">
        <caption className="muted">
          seed {split.seed}: {Math.round(split.ratios.train * 100)}/{Math.round(split.ratios.val * 100)}/{Math.round(split.ratios.test * 100)}, no car in two
          splits
        </caption>
        <thead>
          <tr>
            <th scope="col">split</th>
            <th scope="col">cars</th>
            <th scope="col">pairs</th>
          </tr>
        </thead>
        <tbody>
          {PARTS.map((part) => (
            <tr key={part} data-testid={`split-${part}`}>
              <th scope="row">{part}</th>
              <td data-testid={`split-${part}-groups`}>{split[part].groups.length}</td>
              <td data-testid={`split-${part}-pairs`}>{split[part].pairs}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
