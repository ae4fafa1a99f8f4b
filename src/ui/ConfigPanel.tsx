import { useState } from 'react';
import { estimateParams, estimateTrainingBytes } from '../ml/model/estimate';
import { modelLabel, presetConfig } from '../ml/model/presets';
import { isRunLive } from '../store/events';
import { SETTINGS, type SettingDef, type SettingKey } from '../settings';
import { parseSize } from '../settings';
import { setSetting, useStudio } from '../store/studioStore';

const GROUPS = ['Model', 'Optimizer', 'Loss', 'Augmentation', 'Run'] as const;

/** What an empty Width field stands for: the chosen model's own width (short: the field is narrow). */
function useBlankMeaning(def: SettingDef): string | undefined {
  const preset = useStudio((s) => s.settings.preset);
  if (def.kind !== 'number' || !def.blankIsZero) return undefined;
  return `default ${presetConfig(preset).base}`;
}

function SettingField({ def, locked }: { def: SettingDef; locked: boolean }) {
  const value = useStudio((s) => s.settings[def.key]);
  const blankMeaning = useBlankMeaning(def);
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = `setting-${def.key}`;
  const apply = (raw: unknown) => {
    const problem = setSetting(def.key as SettingKey, raw);
    setError(problem);
    if (!problem) setDraft(null);
  };
  const help = locked ? `${def.help} (locked while a run is live)` : def.help;
  const hintId = `${id}-hint`;
  // The help is the control's description (screen readers read it on focus) and shows under the
  // field while it has focus, so keyboard users see it too, not only mouse users (title).
  const describedBy = error ? `${hintId} ${id}-error` : hintId;
  return (
    <div className="field" title={help}>
      <label htmlFor={id}>
        {def.label}
        {def.live && (
          <span className="live-tag" aria-label="can change during a run">
            live
          </span>
        )}
      </label>
      {def.kind === 'boolean' ? (
        <input id={id} type="checkbox" checked={value as boolean} disabled={locked} aria-describedby={hintId} onChange={(e) => apply(e.target.checked)} />
      ) : def.kind === 'select' ? (
        <select id={id} value={String(value)} disabled={locked} aria-describedby={hintId} onChange={(e) => apply(e.target.value)}>
          {def.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          type="number"
          min={def.min}
          max={def.max}
          step={def.step}
          disabled={locked}
          value={draft ?? (blankMeaning !== undefined && value === 0 ? '' : String(value))}
          placeholder={blankMeaning}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={() => draft !== null && apply(draft)}
          onKeyDown={(e) => e.key === 'Enter' && draft !== null && apply(draft)}
        />
      )}
      <span className="field-hint" id={hintId} data-testid={hintId}>
        {help}
      </span>
      {error && (
        <span className="field-error" id={`${id}-error`} role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

function PresetFacts() {
  const preset = useStudio((s) => s.settings.preset);
  const size = useStudio((s) => s.settings.size);
  const batch = useStudio((s) => s.settings.batchSize);
  const base = useStudio((s) => s.settings.base);
  const config = presetConfig(preset, { ...parseSize(size), ...(base > 0 && { base }) });
  const params = estimateParams(config);
  const bytes = estimateTrainingBytes(config, batch);
  return (
    <p className="muted" data-testid="preset-facts">
      {modelLabel(preset, base)}: {params.toLocaleString('en-US')} parameters; about {(bytes / 1024 ** 2).toFixed(0)} MiB to train at {size}, batch {batch}.
    </p>
  );
}

/** Every knob on one screen, from the declared schema; the URL always holds the current settings. */
export function ConfigPanel() {
  const phase = useStudio((s) => s.training.phase);
  const errors = useStudio((s) => s.settingErrors);
  const live = isRunLive(phase);
  return (
    <section className="panel config-panel" aria-labelledby="config-title">
      <h2 id="config-title">Settings</h2>
      <PresetFacts />
      {errors.map((e) => (
        <p key={e} className="error" role="alert">
          {e}
        </p>
      ))}
      {/* Each group folds (summary: keyboard and screen readers for free); all start open, the side column scrolls. */}
      {GROUPS.map((group) => (
        <details key={group} className="group" open data-testid={`settings-group-${group.toLowerCase()}`}>
          <summary>{group}</summary>
          {SETTINGS.filter((s) => s.group === group).map((def) => (
            <SettingField key={def.key} def={def} locked={live && !def.live} />
          ))}
        </details>
      ))}
      <p className="muted">Settings marked live can change during a run; the link in the address bar reproduces them.</p>
    </section>
  );
}
