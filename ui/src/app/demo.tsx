import { createContext, useContext } from 'react';
import type { DemoSetup } from '../backend';

/** Set when the app runs as a demo (`npm run demo`): the sample servers and mailboxes. */
export const DemoContext = createContext<DemoSetup | null>(null);

export function useDemo(): DemoSetup | null {
  return useContext(DemoContext);
}
