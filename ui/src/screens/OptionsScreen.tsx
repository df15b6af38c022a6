import {
  Button,
  Checkbox,
  Field,
  Input,
  makeStyles,
  mergeClasses,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  Select,
  InteractionTag,
  InteractionTagPrimary,
  InteractionTagSecondary,
  TagGroup,
  Text,
  tokens,
} from '@fluentui/react-components';
import { Add16Regular } from '@fluentui/react-icons';
import { useState } from 'react';
import { createBatch, startBatch, toProblem, type AppError, type ConnectionSummary } from '../backend';
import { usePresets } from '../app/presets';
import { Page } from '../components/Page';
import { ProblemBar } from '../components/ProblemBar';
import { Section } from '../components/Section';
import { saveTested } from '../components/status/testedCounts';
import { estimateBatch } from '../estimate';
import { formatBytes, formatCount, formatDuration } from '../format';
import { describeServer, serverAddress } from '../servers';
import { useWizard } from '../wizard/WizardContext';
import { WizardFooter } from '../wizard/WizardFooter';
import { createSpec, selectedUsers } from '../wizard/wizardState';

const useStyles = makeStyles({
  fields: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '560px' },
  // An empty chip row would still take a row of the column's gaps above "Every folder is copied."
  none: { display: 'none' },
  // As wide as the fields above it: a hint across the whole window is hard to read.
  measure: { maxWidth: '560px' },
  addRow: { display: 'flex', gap: tokens.spacingHorizontalS, alignItems: 'flex-end' },
  grow: { flexGrow: 1 },
  hint: { color: tokens.colorNeutralForeground3, marginTop: `calc(-1 * ${tokens.spacingVerticalS})` },
  tokens: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS },
  short: { maxWidth: '200px' },
  summary: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
  },
  dt: { color: tokens.colorNeutralForeground2 },
  dd: { margin: 0 },
  note: { color: tokens.colorNeutralForeground2 },
});

function testedCounts(summary: ConnectionSummary) {
  return { messages: summary.messages, bytes: summary.bytes };
}

/** Microsoft's special-folder tokens: they match the folder by its role, whatever its name. */
export const FOLDER_TOKENS = [
  { token: '#Inbox#', label: 'Inbox' },
  { token: '#SentItems#', label: 'Sent Items' },
  { token: '#DeletedItems#', label: 'Deleted Items' },
  { token: '#JunkEmail#', label: 'Junk Email' },
  { token: '#Drafts#', label: 'Drafts' },
];

/** "Sent Items" for Microsoft's `#SentItems#`; any other folder as typed. */
export function folderLabel(folder: string): string {
  return FOLDER_TOKENS.find((t) => t.token === folder)?.label ?? folder;
}

const INTERVALS = [
  { hours: '1', label: 'Every hour' },
  { hours: '6', label: 'Every 6 hours' },
  { hours: '12', label: 'Every 12 hours' },
  { hours: '24', label: 'Every 24 hours (like Microsoft 365)' },
];

/** Step 5: exclusions, limits and when to start; "Start migration" creates the batch. */
export function OptionsScreen() {
  const styles = useStyles();
  const presets = usePresets();
  const { state, dispatch, exit } = useWizard();
  const [folder, setFolder] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<AppError | null>(null);
  const o = state.options;
  const spec = createSpec(state, presets);
  const selected = selectedUsers(state);
  const failedTests = selected.filter((u) => u.test.state === 'error');
  const estimate = estimateBatch(
    selected.map((u) => (u.test.state === 'ok' ? u.test.summary : null)),
    Number(o.maxConcurrent) >= 1 ? Number(o.maxConcurrent) : 20,
  );

  const addFolder = () => {
    dispatch({ type: 'addExclude', folder });
    setFolder('');
  };

  const start = async () => {
    if (!spec) return;
    setBusy(true);
    setProblem(null);
    try {
      const created = await createBatch(spec);
      // The status page shows each mailbox's real size from the start.
      const counts: Record<string, { messages: number; bytes: number }> = {};
      for (const u of selected) {
        if (u.test.state === 'ok') counts[u.emailAddress.trim()] = testedCounts(u.test.summary);
      }
      saveTested(created.name, counts);
      let startProblem: AppError | undefined;
      if (o.startNow) {
        // The batch exists now: whatever happens, its status page is where to go next.
        await startBatch(created.name).catch((e) => {
          startProblem = toProblem(e);
        });
      }
      exit(created.name, startProblem);
    } catch (e) {
      setProblem(toProblem(e));
      setBusy(false);
    }
  };

  const sizeInvalid = o.maxMessageSizeMb.trim() !== '' && !(Number(o.maxMessageSizeMb) > 0);
  const concurrentInvalid = !(Number(o.maxConcurrent) >= 1 && Number(o.maxConcurrent) <= 100);

  return (
    <Page title="Migration options" description="These settings apply to every mailbox in this batch.">
      <Section id="exclude-title" title="Folders to exclude">
        <div className={styles.fields}>
          <TagGroup
            aria-label="Excluded folders"
            onDismiss={(_, data) => dispatch({ type: 'removeExclude', folder: String(data.value) })}
            className={mergeClasses(styles.tokens, o.excludes.length === 0 && styles.none)}
          >
            {o.excludes.map((f) => (
              <InteractionTag key={f} value={f}>
                <InteractionTagPrimary hasSecondaryAction>{folderLabel(f)}</InteractionTagPrimary>
                <InteractionTagSecondary aria-label="remove from the excluded folders" />
              </InteractionTag>
            ))}
          </TagGroup>
          {o.excludes.length === 0 ? <Text>Every folder is copied.</Text> : null}
          <div className={styles.addRow}>
            <Field className={styles.grow} label="Folder name">
              <Input
                value={folder}
                onChange={(_, d) => setFolder(d.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') addFolder();
                }}
              />
            </Field>
            <Button icon={<Add16Regular />} onClick={addFolder} disabled={!folder.trim()}>
              Exclude
            </Button>
          </div>
          <Text size={200} className={styles.hint}>
            As it appears in the old mailbox. Name/* leaves out a folder and everything in it. Special folders, whatever
            their name:
          </Text>
          <div className={styles.tokens} role="group" aria-label="Special folders">
            {FOLDER_TOKENS.filter((t) => !o.excludes.includes(t.token)).map((t) => (
              <Button
                key={t.token}
                size="small"
                shape="circular"
                icon={<Add16Regular />}
                aria-label={`Exclude ${t.label}`}
                onClick={() => dispatch({ type: 'addExclude', folder: t.token })}
              >
                {t.label}
              </Button>
            ))}
          </div>
        </div>
      </Section>

      <Section id="limits-title" title="Limits">
        <div className={styles.fields}>
          <Field
            label="Maximum message size (MB)"
            hint="Larger messages are skipped and listed in the report. Leave empty for no limit. Microsoft 365 accepts up to 35 MB by default."
            validationMessage={sizeInvalid ? 'Enter a size in megabytes, or leave it empty.' : undefined}
          >
            <Input
              className={styles.short}
              type="number"
              min={1}
              value={o.maxMessageSizeMb}
              placeholder="No limit"
              onChange={(_, d) => dispatch({ type: 'setOptions', patch: { maxMessageSizeMb: d.value } })}
            />
          </Field>
          <Field
            label="Mailboxes migrated at the same time"
            hint="Microsoft's default is 20. Fewer is gentler on a slow connection."
            validationMessage={concurrentInvalid ? 'Enter a number from 1 to 100.' : undefined}
          >
            <Input
              className={styles.short}
              type="number"
              min={1}
              max={100}
              value={o.maxConcurrent}
              onChange={(_, d) => dispatch({ type: 'setOptions', patch: { maxConcurrent: d.value } })}
            />
          </Field>
          <Field label="Incremental sync" hint="After the first copy, new mail is copied on this schedule until you close the connection.">
            <Select
              value={o.intervalHours}
              onChange={(_, d) => dispatch({ type: 'setOptions', patch: { intervalHours: d.value } })}
            >
              {INTERVALS.map((i) => (
                <option key={i.hours} value={i.hours}>
                  {i.label}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <Field
          className={styles.measure}
          hint="Outlook can send a read receipt again for old mail that asked for one. This renames that request on messages already read; their content is unchanged, but they are then no longer byte-for-byte copies.">
          <Checkbox
            checked={o.disarmReadReceipts}
            onChange={(_, d) => dispatch({ type: 'setOptions', patch: { disarmReadReceipts: d.checked === true } })}
            label="Don't send read receipts again for mail already read"
          />
        </Field>
      </Section>

      <Section id="start-title" title="Start">
        <RadioGroup
          aria-labelledby="start-title"
          value={o.startNow ? 'now' : 'later'}
          onChange={(_, d) => dispatch({ type: 'setOptions', patch: { startNow: d.value === 'now' } })}
        >
          <Radio value="now" label="Start the migration now" />
          <Radio value="later" label="Start it later from the migration status page" />
        </RadioGroup>
      </Section>

      <Section id="summary-title" title="Summary">
        <dl className={styles.summary}>
          <dt className={styles.dt}>Batch</dt>
          <dd className={styles.dd}>{spec?.name}</dd>
          <dt className={styles.dt}>From</dt>
          <dd className={styles.dd}>{spec ? `${describeServer(spec.source, presets)} (${serverAddress(spec.source)})` : '—'}</dd>
          <dt className={styles.dt}>To</dt>
          <dd className={styles.dd}>
            {spec ? `${describeServer(spec.destination, presets)} (${serverAddress(spec.destination)})` : '—'}
          </dd>
          <dt className={styles.dt}>Users</dt>
          <dd className={styles.dd}>{formatCount(selected.length)}</dd>
          {o.excludes.length > 0 ? (
            <>
              <dt className={styles.dt}>Left out</dt>
              <dd className={styles.dd}>{o.excludes.map(folderLabel).join(', ')}</dd>
            </>
          ) : null}
          {estimate ? (
            <>
              <dt className={styles.dt}>Size</dt>
              <dd className={styles.dd}>
                {estimate.tested < estimate.mailboxes ? 'About ' : ''}
                {formatCount(estimate.messages)} messages, {formatBytes(estimate.bytes)}
              </dd>
              <dt className={styles.dt}>First copy</dt>
              <dd className={styles.dd}>
                {estimate.secs !== null
                  ? `About ${formatDuration(estimate.secs)} at the speed the tests measured; then new mail is copied on the schedule above`
                  : 'The tests could not measure the speed; the status page shows the time left once copying starts'}
              </dd>
            </>
          ) : null}
        </dl>
        {estimate && estimate.tested < estimate.mailboxes ? (
          <Text size={200} className={styles.note}>
            Estimated from {formatCount(estimate.tested)} of {formatCount(estimate.mailboxes)} mailboxes, the others counted
            as the same size. Test them on Select users for a closer estimate.
          </Text>
        ) : null}
        {!estimate && selected.length > 0 ? (
          <Text size={200} className={styles.note}>
            Test the mailboxes on Select users to see how much mail there is and how long the first copy takes.
          </Text>
        ) : null}
      </Section>

      {failedTests.length > 0 ? (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>
              {failedTests.length === 1
                ? `${failedTests[0].emailAddress.trim()} failed its connection test`
                : `${formatCount(failedTests.length)} selected mailboxes failed their connection test`}
            </MessageBarTitle>
            {failedTests.length > 1 ? `${failedTests.map((u) => u.emailAddress.trim()).join(', ')}. ` : ''}
            They will most likely fail in the migration too. Go back to Select users to fix them, or untick them there.
          </MessageBarBody>
        </MessageBar>
      ) : null}

      {problem ? <ProblemBar problem={problem} /> : null}

      <WizardFooter
        onBack={() => dispatch({ type: 'goTo', step: 'users' })}
        onNext={() => void start()}
        nextLabel={o.startNow ? 'Start migration' : 'Create migration'}
        nextDisabled={!spec || sizeInvalid || concurrentInvalid}
        busy={busy}
        busyLabel={o.startNow ? 'Starting…' : 'Creating…'}
      />
    </Page>
  );
}
