/** Settings in a URL query (the shareable link, and the text saved in localStorage). */
import { crossCheck } from './config';
import { DEFAULT_SETTINGS, parseSetting, SETTING_DEFS, type SettingKey, type Settings, type SettingValue } from './schema';

/** Only the settings that differ from the defaults, so shared links stay short. */
export function settingsToQuery(settings: Settings): string {
  const params = new URLSearchParams();
  for (const def of SETTING_DEFS) {
    const value = settings[def.key];
    if (value === DEFAULT_SETTINGS[def.key]) continue;
    params.set(def.param, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return params.toString();
}

/** Settings from a URL query (or saved text): bad entries are dropped and explained, the rest apply. */
export function settingsFromQuery(query: string, base: Settings = DEFAULT_SETTINGS): { settings: Settings; errors: string[] } {
  const params = new URLSearchParams(query);
  const settings = { ...base };
  const errors: string[] = [];
  for (const def of SETTING_DEFS) {
    const raw = params.get(def.param);
    if (raw === null) continue;
    const parsed = parseSetting(def, raw);
    if (parsed.ok) (settings as Record<SettingKey, SettingValue>)[def.key] = parsed.value;
    else errors.push(`Ignored ${def.param}=${raw}: ${parsed.error}`);
  }
  const crossError = crossCheck(settings);
  if (crossError) {
    // A split that does not add up is dropped whole (keeping the base's), not patched.
    const { splitTrain, splitVal, splitTest } = base;
    Object.assign(settings, { splitTrain, splitVal, splitTest });
    errors.push(`Ignored the split: ${crossError}`);
  }
  return { settings, errors };
}
