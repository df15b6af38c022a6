import { createContext, useContext, type Dispatch } from 'react';
import type { AppError } from '../backend';
import type { WizardAction, WizardState } from './wizardState';

export interface WizardContextValue {
  state: WizardState;
  dispatch: Dispatch<WizardAction>;
  /** Leaves the wizard (to the status page once a batch exists, else home). */
  exit: (batch?: string, problem?: AppError) => void;
}

export const WizardContext = createContext<WizardContextValue | null>(null);

export function useWizard(): WizardContextValue {
  const value = useContext(WizardContext);
  if (!value) throw new Error('useWizard outside the wizard');
  return value;
}
