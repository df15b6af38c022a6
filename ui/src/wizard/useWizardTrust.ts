import { useCallback, useEffect, useRef } from 'react';
import { trustInOptions, type BatchOptions, type TrustChoice } from '../backend';
import { useWizard } from './WizardContext';
import { batchOptions } from './wizardState';

/**
 * "Trust this certificate" / "Choose a CA file…" before the batch exists: the engine checks the
 * choice and adds it to the wizard's options, which every later test and the batch use. Returns
 * the new options, so the test run right after does not wait for the state to update. Stable,
 * so memoized rows do not re-render for it.
 */
export function useWizardTrust(): (choice: TrustChoice) => Promise<BatchOptions> {
  const { state, dispatch } = useWizard();
  const latest = useRef(state);
  useEffect(() => {
    latest.current = state;
  }, [state]);
  return useCallback(
    async (choice: TrustChoice) => {
      const options = await trustInOptions(batchOptions(latest.current), choice);
      dispatch({ type: 'setTrust', trust: { ca_file: options.ca_file, trusted_certificates: options.trusted_certificates } });
      return options;
    },
    [dispatch],
  );
}
