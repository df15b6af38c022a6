import { createContext, useContext } from 'react';
import type { Preset } from '../backend';

/** Provider presets, loaded once at start: they never change while the app runs. */
export const PresetsContext = createContext<Preset[]>([]);

export function usePresets(): Preset[] {
  return useContext(PresetsContext);
}
