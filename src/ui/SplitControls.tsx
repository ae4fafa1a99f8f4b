import { useState } from 'react';
import { resplit, useStudio } from '../store/studio';
import { downloadJson } from './download';

const PARTS = ['train', 'val', 'test'] as const;

/** Split by car: ratios and seed are the user's; the group ids of each split can be exported. */
export function SplitControls() {
  const split = useStudio((s) => s.dataset.split);
  const [percent, setPercent] = useState({ train: 80, val: 10, test: 10 });
  const [seed, setSeed] = useState(1);
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
              onChange={(e) => setPercent({ ...percent, [part]: Number(e.target.value) })}
            />
          </label>
        ))}
        <label className="inline">
          seed
          <input type="number" value={seed} aria-label="split seed" onChange={(e) => setSeed(Math.trunc(Number(e.target.value)))} />
        </label>
        <button type="button" disabled={!valid} onClick={() => resplit({ train: percent.train / 100, val: percent.val / 100, test: percent.test / 100 }, seed)}>
          Apply split
        </button>
        <button type="button" onClick={() => downloadJson('split.json', split)}>
          Export group ids
        </button>
      </div>
      {!valid && <p className="error" role="alert">The three percentages must be non-negative and add up to 100 (now {total}).</p>}
      <table className="split-table" data-testid="split-table">
        <caption className="muted">
          seed {split.seed}: {Math.round(split.ratios.train * 100)}/{Math.round(split.ratios.val * 100)}/{Math.round(split.ratios.test * 100)}, no car in two splits
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
