import { createContext, useContext } from 'react';
import type { AppError } from '../backend';

/** Where the window is. A handful of views do not need a router. */
export type View =
  | { kind: 'home' }
  | { kind: 'history' }
  | { kind: 'wizard'; existingNames: string[] }
  | { kind: 'status'; batch: string; problem?: AppError }
  | { kind: 'domains'; batch: string };

export const NavigateContext = createContext<(view: View) => void>(() => {});

export function useNavigate(): (view: View) => void {
  return useContext(NavigateContext);
}
