import { Button, makeStyles, tokens } from '@fluentui/react-components';
import { Dismiss20Regular } from '@fluentui/react-icons';
import { useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { useDemo } from '../app/demo';
import { closeWindow, forgetDraft, holdWindowClose } from '../backend';
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
  // Why the owner is asked: the wizard's own close button, or the window's.
  const [confirmCancel, setConfirmCancel] = useState<false | 'wizard' | 'window'>(false);
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

  // Closing the window would lose the entries just as the wizard's own close would: ask too.
  const windowHold = useRef<{ release: () => Promise<void> } | null>(null);
  useEffect(() => {
    if (!hasWork) return;
    const hold = holdWindowClose(() => setConfirmCancel('window'));
    windowHold.current = hold;
    return () => {
      windowHold.current = null;
      void hold.release();
    };
  }, [hasWork]);

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
            onClick={() => (hasWork ? setConfirmCancel('wizard') : navigate({ kind: 'home' }))}
          />
          <Screen />
        </div>
      </div>
      <ConfirmDialog
        open={confirmCancel !== false}
        title={confirmCancel === 'window' ? 'Close Mailferry without creating the migration?' : 'Leave without creating the migration?'}
        confirmLabel={confirmCancel === 'window' ? 'Close' : 'Leave'}
        cancelLabel="Stay"
        onConfirm={() => {
          const closing = confirmCancel === 'window';
          const hold = windowHold.current;
          // Best effort: a keyring that refuses now will be asked again when a batch of this
          // name is created and deleted.
          forgetDraft(batchNameOf(state), draftMailboxes(state))
            .catch(() => {})
            .finally(() => {
              if (closing) {
                void (async () => {
                  await hold?.release();
                  await closeWindow().catch(() => {});
                })();
              }
              navigate({ kind: 'home' });
            });
        }}
        onCancel={() => setConfirmCancel(false)}
      >
        The users you added are discarded, and the passwords you entered are removed from this computer's password
        store.
      </ConfirmDialog>
    </WizardContext.Provider>
  );
}
