import { Button, makeStyles, tokens } from '@fluentui/react-components';
import { Dismiss20Regular } from '@fluentui/react-icons';
import { useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { useDemo } from '../app/demo';
import { forgetDraft } from '../backend';
import { useNavigate } from '../app/navigation';
import { useSignInSettings } from '../app/signInSettings';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DataServiceScreen } from '../screens/DataServiceScreen';
import { DestinationScreen } from '../screens/DestinationScreen';
import { EmailSourcesScreen } from '../screens/EmailSourcesScreen';
import { OptionsScreen } from '../screens/OptionsScreen';
import { SelectUsersScreen } from '../screens/SelectUsersScreen';
import { Stepper } from './Stepper';
import { WizardContext, type WizardContextValue } from './WizardContext';
import { batchNameOf, demoWizard, draftMailboxes, initialWizard, nameLocked, wizardReducer, type StepId } from './wizardState';

const useStyles = makeStyles({
  root: { display: 'flex', height: '100%', minHeight: 0 },
  content: { flexGrow: 1, minWidth: 0, overflowY: 'auto', position: 'relative' },
  close: { position: 'absolute', top: tokens.spacingVerticalM, right: tokens.spacingHorizontalM, zIndex: 1 },
});

const SCREENS: Record<StepId, () => JSX.Element> = {
  sources: EmailSourcesScreen,
  service: DataServiceScreen,
  destination: DestinationScreen,
  users: SelectUsersScreen,
  options: OptionsScreen,
};

/** The "Migrate your email" wizard: stepper on the left, one page at a time on the right. */
export function Wizard({ existingNames }: { existingNames: string[] }) {
  const styles = useStyles();
  const navigate = useNavigate();
  const demo = useDemo();
  const settings = useSignInSettings();
  const [state, dispatch] = useReducer(wizardReducer, existingNames, (names) =>
    demo ? demoWizard(demo, names) : initialWizard(names, settings),
  );
  const [confirmCancel, setConfirmCancel] = useState(false);
  const contentRef = useRef<HTMLDivElement>(null);

  // A new page starts at its top, with focus on its heading so screen readers announce it.
  useEffect(() => {
    const content = contentRef.current;
    if (!content) return;
    content.scrollTop = 0;
    content.querySelector<HTMLElement>('h1')?.focus();
  }, [state.step]);

  const value = useMemo<WizardContextValue>(
    () => ({
      state,
      dispatch,
      exit: (batch, problem) => navigate(batch ? { kind: 'status', batch, problem } : { kind: 'home' }),
    }),
    [state, navigate],
  );

  const Screen = SCREENS[state.step];
  const hasWork = state.users.length > 0 || nameLocked(state);

  return (
    <WizardContext.Provider value={value}>
      <div className={styles.root}>
        <Stepper current={state.step} onGo={(step) => dispatch({ type: 'goTo', step })} />
        <div className={styles.content} ref={contentRef}>
          <Button
            className={styles.close}
            appearance="subtle"
            icon={<Dismiss20Regular />}
            aria-label="Cancel and close the wizard"
            onClick={() => (hasWork ? setConfirmCancel(true) : navigate({ kind: 'home' }))}
          />
          <Screen />
        </div>
      </div>
      <ConfirmDialog
        open={confirmCancel}
        title="Leave without creating the migration?"
        confirmLabel="Leave"
        cancelLabel="Stay"
        onConfirm={() => {
          // Best effort: a keyring that refuses now will be asked again when a batch of this
          // name is created and deleted.
          forgetDraft(batchNameOf(state), draftMailboxes(state))
            .catch(() => {})
            .finally(() => navigate({ kind: 'home' }));
        }}
        onCancel={() => setConfirmCancel(false)}
      >
        The users you added are discarded, and the passwords you entered are removed from this computer's password
        store.
      </ConfirmDialog>
    </WizardContext.Provider>
  );
}
