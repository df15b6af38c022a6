import {
  Button,
  Checkbox,
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  Table,
  TableBody,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import {
  Add20Regular,
  ArrowUpload20Regular,
  Delete20Regular,
  PeopleAdd20Regular,
  PlugConnected20Regular,
} from '@fluentui/react-icons';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  chooseCsvFile,
  directoryUsers,
  hasPassword,
  importCsv,
  storePassword,
  testConnection,
  toProblem,
  type AppError,
  type BatchOptions,
  type CsvProblem,
  type TrustChoice,
} from '../backend';
import { usePresets } from '../app/presets';
import { CommandBar } from '../components/CommandBar';
import { CsvProblems } from '../components/CsvProblems';
import { Page } from '../components/Page';
import { ProblemBar } from '../components/ProblemBar';
import { UserRowEditor } from '../components/UserRowEditor';
import { formatCount } from '../format';
import { onSide } from '../problemWords';
import { isEmail } from '../servers';
import { useWizard } from '../wizard/WizardContext';
import { useWizardTrust } from '../wizard/useWizardTrust';
import { WizardFooter } from '../wizard/WizardFooter';
import {
  batchNameOf,
  batchOptions,
  destinationSpec,
  rowProblemAt,
  selectedUsers,
  sourcePreset,
  sourceSpec,
  sourceTenant,
  type UserRow,
} from '../wizard/wizardState';

const useStyles = makeStyles({
  commands: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, minWidth: 0 },
  toolbar: { paddingLeft: 0, gap: tokens.spacingHorizontalXS, flexWrap: 'nowrap', flexGrow: 1, minWidth: 0 },
  count: { flexShrink: 0, color: tokens.colorNeutralForeground2, whiteSpace: 'nowrap' },
  tableWrap: { overflowX: 'auto' },
  // Fits the 1024 px minimum window next to the stepper without scrolling sideways.
  table: { minWidth: '700px', tableLayout: 'fixed' },
  colCheck: { width: '76px' },
  colMailbox: { width: '26%' },
  colSource: { width: '24%' },
  colPassword: { width: '26%' },
  colTest: { width: '76px' },
  empty: { padding: tokens.spacingVerticalL, color: tokens.colorNeutralForeground2 },
});

const COLUMNS = 5;

/** Step 4: "Select users to start migrating email messages". */
export function SelectUsersScreen() {
  const styles = useStyles();
  const presets = usePresets();
  const { state, dispatch } = useWizard();
  const [showErrors, setShowErrors] = useState(false);
  const [csv, setCsv] = useState<{ fileName: string; problems: CsvProblem[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<AppError | null>(null);
  const [importing, setImporting] = useState(false);
  /** The rows just removed, until the owner undoes it or does something else. */
  const [removed, setRemoved] = useState<{ row: UserRow; index: number }[] | null>(null);
  const undoRef = useRef<HTMLButtonElement>(null);
  // The removed row's button is gone with it: focus goes to Undo, where it is announced.
  useEffect(() => {
    if (removed) undoRef.current?.focus();
  }, [removed]);
  const tableRef = useRef<HTMLDivElement>(null);

  const batch = batchNameOf(state);
  const preset = sourcePreset(state, presets);
  const signsIn = state.sourceAuth !== 'password';
  const passwordLabel = signsIn ? 'Sign-in' : preset?.sign_in === 'app_password' ? 'App password' : 'Password';
  const source = sourceSpec(state, presets);
  const options = useMemo(() => batchOptions(state), [state.options, state.allowInsecure, state.destinationAdmin, state.destinationKind, state.destinationSignIn, state.sourceAuth, state.trust]); // eslint-disable-line react-hooks/exhaustive-deps
  // The directory is read with a person's sign-in (User.ReadBasic.All), not the app's own.
  const directory =
    state.destinationKind === 'microsoft365' && !state.destinationSignIn?.reference.app ? state.destinationSignIn : null;
  const [loadingDirectory, setLoadingDirectory] = useState(false);

  const selected = selectedUsers(state);
  const problems = useMemo(() => {
    const map = new Map<number, ReturnType<typeof rowProblemAt>>();
    for (const row of state.users) map.set(row.id, row.selected ? rowProblemAt(row, state.users, state.sourceAuth) : null);
    return map;
  }, [state.users, state.sourceAuth]);
  const blocking = selected.filter((u) => problems.get(u.id));

  // Stable callbacks keep the memoized rows from re-rendering when another row changes.
  const onStorePassword = useCallback(
    async (row: UserRow, password: string) => {
      await storePassword(batch, row.emailAddress.trim(), password);
      dispatch({ type: 'passwordStored', id: row.id, stored: true });
    },
    [batch, dispatch],
  );

  const onEmailCommitted = useCallback(
    (row: UserRow) => {
      if (row.passwordStored || !isEmail(row.emailAddress)) return;
      // A password may already be stored for this mailbox (an earlier import or visit).
      hasPassword(batch, row.emailAddress.trim())
        .then((stored) => {
          if (stored) dispatch({ type: 'passwordStored', id: row.id, stored: true });
        })
        .catch(() => {
          // Only a convenience; the password field stays open.
        });
    },
    [batch, dispatch],
  );

  const destination = destinationSpec(state, presets);
  /**
   * The pre-flight of one mailbox: the old one opens (and is counted), then the new one opens
   * with the destination's sign-in, so a missing permission shows before the batch starts.
   */
  const runTest = useCallback(
    async (row: UserRow, trusted?: BatchOptions) => {
      if (!source || !destination) return;
      const email = row.emailAddress.trim();
      // Right after a certificate was trusted, the options that hold it (the state updates later).
      const used = trusted ?? options;
      dispatch({ type: 'userTest', id: row.id, test: { state: 'testing' } });
      try {
        const summary = await testConnection(batch, 'source', source, email, row.userName.trim(), used);
        try {
          await testConnection(batch, 'destination', destination, email, email, used);
        } catch (e) {
          const problem = toProblem(e);
          dispatch({
            type: 'userTest',
            id: row.id,
            test: { state: 'error', problem: onSide(problem, 'destination') },
          });
          return;
        }
        dispatch({ type: 'userTest', id: row.id, test: { state: 'ok', summary } });
      } catch (e) {
        dispatch({ type: 'userTest', id: row.id, test: { state: 'error', problem: toProblem(e) } });
      }
    },
    [batch, source?.url, source?.preset, destination?.url, options, dispatch], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const onTest = useCallback((row: UserRow) => void runTest(row), [runTest]);
  const trustInWizard = useWizardTrust();
  const onTrust = useCallback(
    async (row: UserRow, choice: TrustChoice) => runTest(row, await trustInWizard(choice)),
    [runTest, trustInWizard],
  );
  const onRemove = useCallback(
    (row: UserRow, index: number) => {
      dispatch({ type: 'removeUser', id: row.id });
      setRemoved([{ row, index }]);
    },
    [dispatch],
  );
  const removeSelected = () => {
    const rows = state.users.map((row, index) => ({ row, index })).filter(({ row }) => row.selected);
    dispatch({ type: 'removeSelected' });
    setRemoved(rows);
  };
  const undoRemove = () => {
    if (removed) dispatch({ type: 'restoreUsers', rows: removed });
    setRemoved(null);
  };

  /** Tests every selected mailbox that is ready, a few at a time. */
  const [testingAll, setTestingAll] = useState(false);
  const testAll = async () => {
    const ready = selected.filter((row) => !problems.get(row.id));
    setTestingAll(true);
    const queue = [...ready];
    const worker = async () => {
      for (let row = queue.shift(); row; row = queue.shift()) await runTest(row);
    };
    await Promise.all([worker(), worker(), worker()]);
    setTestingAll(false);
  };

  const addUser = () => {
    dispatch({ type: 'addUser' });
    // Land in the new row's first field, where typing starts.
    requestAnimationFrame(() => {
      const inputs = tableRef.current?.querySelectorAll<HTMLInputElement>('input[type="email"]');
      inputs?.[inputs.length - 1]?.focus();
    });
  };

  const importFile = async () => {
    setProblem(null);
    setNotice(null);
    try {
      const path = await chooseCsvFile();
      if (!path) return;
      setImporting(true);
      const result = await importCsv(batch, path, signsIn);
      const fileName = path.split(/[\\/]/).pop() ?? path;
      if (result.problems.length > 0) {
        setCsv({ fileName, problems: result.problems });
        return;
      }
      setCsv(null);
      dispatch({ type: 'importRows', rows: result.rows });
      setNotice(
        `${result.rows.length} ${result.rows.length === 1 ? 'mailbox' : 'mailboxes'} imported from ${fileName}.${signsIn ? '' : ' Their passwords are stored.'}`,
      );
    } catch (e) {
      setProblem(toProblem(e));
    } finally {
      setImporting(false);
    }
  };

  /** The admin's organisation, as the admin center lists it: every user with a mailbox. */
  const loadDirectory = async () => {
    if (!directory) return;
    setProblem(null);
    setNotice(null);
    setLoadingDirectory(true);
    try {
      const users = await directoryUsers(directory.name);
      const emails = users.map((u) => u.mail).filter((mail): mail is string => !!mail);
      dispatch({ type: 'addMailboxes', emails });
      setNotice(`${emails.length} ${emails.length === 1 ? 'mailbox' : 'mailboxes'} listed from Microsoft 365. Untick the ones to leave out.`);
    } catch (e) {
      setProblem(toProblem(e));
    } finally {
      setLoadingDirectory(false);
    }
  };

  const allSelected = state.users.length > 0 && state.users.every((u) => u.selected);
  const someSelected = state.users.some((u) => u.selected);

  const next = () => {
    if (selected.length === 0 || blocking.length > 0) {
      setShowErrors(true);
      return;
    }
    dispatch({ type: 'goTo', step: 'options' });
  };

  return (
    <Page
      title="Select users to start migrating email messages"
      description={
        signsIn
          ? 'Check the box next to the users whose email you want to migrate, then have each of them choose Sign in and sign in to their old mailbox in the browser.'
          : `Check the box next to the users whose email you want to migrate, then fill in their source email and ${passwordLabel.toLowerCase()}. You can also import Microsoft's migration CSV (EmailAddress, UserName, Password).`
      }
    >
      <div className={styles.commands}>
        <CommandBar
          label="Users"
          className={styles.toolbar}
          commands={[
            { id: 'add', label: 'Add user', icon: <Add20Regular />, onClick: addUser },
            {
              id: 'import',
              label: importing ? 'Importing…' : 'Import CSV',
              icon: <ArrowUpload20Regular />,
              disabled: importing,
              onClick: () => void importFile(),
            },
            ...(directory
              ? [
                  {
                    id: 'directory',
                    label: loadingDirectory ? 'Loading users…' : 'Load users from Microsoft 365',
                    icon: <PeopleAdd20Regular />,
                    disabled: loadingDirectory,
                    onClick: () => void loadDirectory(),
                  },
                ]
              : []),
            {
              id: 'test',
              group: 'selected',
              label: testingAll ? 'Testing…' : 'Test all selected',
              icon: <PlugConnected20Regular />,
              disabled: testingAll || selected.length === 0,
              onClick: () => void testAll(),
            },
            {
              id: 'remove',
              group: 'selected',
              label: 'Remove selected',
              icon: <Delete20Regular />,
              disabled: !someSelected,
              onClick: removeSelected,
            },
          ]}
        />
        <Text className={styles.count} aria-live="polite">
          {formatCount(selected.length)} of {formatCount(state.users.length)} selected
        </Text>
      </div>

      {removed ? (
        <MessageBar intent="info">
          <MessageBarBody>
            {removed.length === 1
              ? `Removed ${removed[0].row.emailAddress.trim() || 'an empty row'}.`
              : `Removed ${removed.length} users.`}
          </MessageBarBody>
          <MessageBarActions>
            <Button ref={undoRef} onClick={undoRemove}>
              Undo
            </Button>
          </MessageBarActions>
        </MessageBar>
      ) : null}
      {notice ? (
        <MessageBar intent="success">
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      ) : null}
      {problem ? <ProblemBar problem={problem} /> : null}
      {csv ? <CsvProblems fileName={csv.fileName} problems={csv.problems} /> : null}
      {/* Above the table, where the eye is after choosing Next: under a long list it is out of sight. */}
      {showErrors && (selected.length === 0 || blocking.length > 0) ? (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>
            {selected.length === 0
              ? state.users.length === 0
                ? 'Add at least one user to migrate.'
                : 'Select at least one user to migrate: check the box beside each mailbox to move.'
              : `${blocking.length === 1 ? '1 selected user needs' : `${blocking.length} selected users need`} attention: see the notes in the table.`}
          </MessageBarBody>
        </MessageBar>
      ) : null}

      <div className={styles.tableWrap} ref={tableRef}>
        <Table className={styles.table} aria-label="Users to migrate" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell className={styles.colCheck}>
                <Checkbox
                  aria-label="Select all users"
                  checked={allSelected ? true : someSelected ? 'mixed' : false}
                  disabled={state.users.length === 0}
                  onChange={() => dispatch({ type: 'selectAll', selected: !allSelected })}
                />
              </TableHeaderCell>
              <TableHeaderCell className={styles.colMailbox}>Destination mailbox</TableHeaderCell>
              <TableHeaderCell className={styles.colSource}>Source email or user name</TableHeaderCell>
              <TableHeaderCell className={styles.colPassword}>{passwordLabel}</TableHeaderCell>
              <TableHeaderCell className={styles.colTest}>Connection</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {state.users.map((row, index) => (
              <UserRowEditor
                key={row.id}
                row={row}
                index={index}
                columns={COLUMNS}
                problem={showErrors ? problems.get(row.id)?.text ?? null : null}
                problemField={showErrors ? problems.get(row.id)?.field ?? null : null}
                passwordLabel={passwordLabel}
                auth={state.sourceAuth}
                clientId={signsIn ? state.clientIds[state.sourceAuth as 'microsoft' | 'google'] : ''}
                tenant={sourceTenant(state)}
                dispatch={dispatch}
                onEmailCommitted={onEmailCommitted}
                onStorePassword={onStorePassword}
                onTest={onTest}
                onTrust={onTrust}
                onRemove={onRemove}
              />
            ))}
          </TableBody>
        </Table>
        {state.users.length === 0 ? (
          <div className={styles.empty}>
            No users yet. Choose Add user for each mailbox to move, or Import CSV to add many at once.
          </div>
        ) : null}
      </div>


      <WizardFooter onBack={() => dispatch({ type: 'goTo', step: 'destination' })} onNext={next} />
    </Page>
  );
}

