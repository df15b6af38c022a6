import { problemLine } from '../problemWords';
import { Field, Input, makeStyles, tokens } from '@fluentui/react-components';
import { MailInbox24Regular } from '@fluentui/react-icons';
import { useState } from 'react';
import { checkBatchName, toProblem } from '../backend';
import { Page } from '../components/Page';
import { Section } from '../components/Section';
import { Tile } from '../components/Tile';
import { useWizard } from '../wizard/WizardContext';
import { WizardFooter } from '../wizard/WizardFooter';
import { batchNameOf, nameLocked } from '../wizard/wizardState';

const useStyles = makeStyles({
  tiles: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(240px, 320px))', gap: tokens.spacingHorizontalM },
  name: { maxWidth: '480px' },
});

/** Step 1: name the batch (passwords are kept under it) and choose "Import my email messages". */
export function EmailSourcesScreen() {
  const styles = useStyles();
  const { state, dispatch } = useWizard();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const locked = nameLocked(state);

  const next = async () => {
    setBusy(true);
    try {
      await checkBatchName(batchNameOf(state));
      dispatch({ type: 'goTo', step: 'service' });
    } catch (e) {
      const problem = toProblem(e);
      setError(problemLine(problem));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Email sources" description="Name this migration, then choose what to bring into Microsoft 365.">
      <Field
        className={styles.name}
        label="Migration batch name"
        required
        validationMessage={error ?? undefined}
        hint={
          locked
            ? 'The name cannot change now: the passwords you entered are stored under it.'
            : 'Shown in the migration list and the reports. The passwords you enter are stored under this name.'
        }
      >
        <Input
          value={state.batchName}
          readOnly={locked}
          onChange={(_, d) => {
            setError(null);
            dispatch({ type: 'setBatchName', name: d.value });
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void next();
          }}
        />
      </Field>
      <Section id="source-kind" title="What do you want to migrate?">
        <div className={styles.tiles} role="radiogroup" aria-labelledby="source-kind">
          <Tile
            title="Import my email messages"
            caption="Copy each mailbox's folders and messages from another email provider."
            icon={<MailInbox24Regular />}
            selected
            onSelect={() => {}}
          />
        </div>
      </Section>
      <WizardFooter
        onNext={() => void next()}
        nextDisabled={!batchNameOf(state)}
        busy={busy}
        busyLabel="Checking the name…"
      />
    </Page>
  );
}
