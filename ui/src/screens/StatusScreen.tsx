import {
  Button,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import {
  ArrowClockwise20Regular,
  ArrowLeft20Regular,
  Delete20Regular,
  Globe20Regular,
  Play20Regular,
  PlugDisconnected20Regular,
  RecordStop20Regular,
} from '@fluentui/react-icons';
import { Fragment, useCallback, useMemo, useState } from 'react';
import { CommandBar } from '../components/CommandBar';
import {
  batchDomains,
  completeBatch,
  deleteBatch,
  retryFailed,
  startBatch,
  stopBatch,
  toProblem,
  type AppError,
  type DomainSwitch,
  type UserStatus,
} from '../backend';
import { useNavigate } from '../app/navigation';
import { usePresets } from '../app/presets';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { CompletedView } from '../components/domains/CompletedView';
import { CompleteWarningDialog } from '../components/domains/CompleteWarningDialog';
import { DomainStrip } from '../components/domains/DomainStrip';
import { Page } from '../components/Page';
import { SavedReportBar } from '../components/SavedReportBar';
import { ProblemBar } from '../components/ProblemBar';
import { ReportDownloadButton } from '../components/ReportDownloadButton';
import { BatchStatusBadge } from '../components/StatusBadge';
import { StatusUserRow } from '../components/status/StatusUserRow';
import { UserDetails } from '../components/status/UserDetails';
import { useBatchLive } from '../components/status/useBatchLive';
import { AfterSync } from '../components/status/AfterSync';
import { AwaitingSignIns } from '../components/status/AwaitingSignIns';
import { batchTotals, rowView } from '../components/status/rowView';
import { forgetTested, loadTested } from '../components/status/testedCounts';
import { formatCount, formatTimeLeft } from '../format';
import { describeServer } from '../servers';

const useStyles = makeStyles({
  back: { alignSelf: 'flex-start', marginLeft: `calc(-1 * ${tokens.spacingHorizontalS})` },
  meta: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalM, color: tokens.colorNeutralForeground2 },
  metaEnd: { marginLeft: 'auto' },
  toolbar: { paddingLeft: 0, flexWrap: 'nowrap', minWidth: 0 },
  tableWrap: { overflowX: 'auto' },
  // Fits 1024 px windows: rate and time left sit under the progress bar instead of own columns.
  table: { minWidth: '700px', tableLayout: 'fixed' },
  colExpand: { width: '44px' },
  colMailbox: { width: '27%' },
  colStatus: { width: '21%' },
  colLast: { width: '16%' },
  detailsCell: { paddingBottom: tokens.spacingVerticalM },
});

type Confirm = 'complete' | 'unsafe' | 'delete' | null;
/** What DNS said when the owner chose Close connection before it was safe. */
type Unsafe = { check: DomainSwitch | null; problem: AppError | null };
type Notice = { intent: 'success' | 'info'; text: string } | null;

const STOPPABLE: UserStatus[] = ['Queued', 'Starting', 'Syncing', 'Synced', 'IncrementalSyncing', 'Waiting'];

/** "Email migration status": every mailbox of one batch, live while it runs, readable offline. */
export function StatusScreen({ batch, initialProblem }: { batch: string; initialProblem?: AppError }) {
  const styles = useStyles();
  const navigate = useNavigate();
  const presets = usePresets();
  const live = useBatchLive(batch);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<AppError | null>(initialProblem ?? null);
  const [notice, setNotice] = useState<Notice>(null);
  const [savedReport, setSavedReport] = useState<string | null>(null);
  const [unsafe, setUnsafe] = useState<Unsafe>({ check: null, problem: null });
  const { afterAction } = live;
  const tested = useMemo(() => loadTested(batch), [batch]);

  const onToggle = useCallback((email: string) => {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(email)) next.delete(email);
      else next.add(email);
      return next;
    });
  }, []);

  const run = async (label: string, action: () => Promise<void>, done?: string) => {
    setBusy(label);
    setProblem(null);
    setNotice(null);
    try {
      await action();
      if (done) setNotice({ intent: 'success', text: done });
      afterAction();
    } catch (e) {
      setProblem(toProblem(e));
    } finally {
      setBusy(null);
    }
  };

  const complete = () =>
    void run(
      'complete',
      () => completeBatch(batch),
      'The connection is closed. The synced mailboxes are complete and no longer synced.',
    );

  // Completing ends the copying from the old provider: first ask DNS whether anything could
  // still be delivered there (a domain not switched, or switched less than 72 hours ago).
  const askComplete = async () => {
    setBusy('checking');
    setProblem(null);
    setNotice(null);
    try {
      const check = await batchDomains(batch);
      if (check.safe_to_complete) {
        setConfirm('complete');
      } else {
        setUnsafe({ check, problem: null });
        setConfirm('unsafe');
      }
    } catch (e) {
      setUnsafe({ check: null, problem: toProblem(e) });
      setConfirm('unsafe');
    } finally {
      setBusy(null);
    }
  };

  const users = live.users ?? [];
  const views = users.map((u) =>
    rowView(u, live.progress.get(u.email_address), tested.get(u.email_address), live.kept.get(u.email_address)),
  );
  const statuses = views.map((v) => v.status);
  const totals = batchTotals(views);
  const count = (s: UserStatus) => statuses.filter((x) => x === s).length;
  const synced = count('Synced') + count('Completed');
  const failed = count('Failed');
  const canStop = statuses.some((s) => STOPPABLE.includes(s)) && !statuses.every((s) => s === 'Queued' && !live.running);
  const notStarted = users.length > 0 && statuses.every((s) => s === 'Queued') && !live.running;
  const canResume = count('Stopped') > 0 || notStarted;
  const canComplete = count('Synced') > 0;
  // Every mailbox had its first copy (or needs the owner): time for what comes next. Once
  // every one is completed the Completed view says what is left instead: this summary's
  // "keeps copying until you close the connection" is no longer true.
  const firstCopyDone =
    users.length > 0 &&
    synced > 0 &&
    statuses.every((s) => s === 'Synced' || s === 'Completed' || s === 'Failed' || s === 'IncrementalSyncing') &&
    count('Completed') < users.length;
  const sourcePreset = presets.find((p) => p.id === live.summary?.source.preset);
  const passwordWord = sourcePreset?.sign_in === 'app_password' ? 'app password' : 'password';

  return (
    <Page
      title="Email migration status"
      before={
        <Button
          className={styles.back}
          appearance="subtle"
          size="small"
          icon={<ArrowLeft20Regular />}
          onClick={() => navigate({ kind: 'home' })}
        >
          Migrations
        </Button>
      }
    >
      <div className={styles.meta}>
        <Text weight="semibold" size={400}>
          {batch}
        </Text>
        {live.summary ? <BatchStatusBadge status={live.summary.status} /> : null}
        {live.summary ? (
          <Text>
            From {describeServer(live.summary.source, presets)} to {describeServer(live.summary.destination, presets)}
          </Text>
        ) : null}
        {live.users ? (
          <Text aria-live="polite">
            {formatCount(synced)} of {formatCount(users.length)} synced{failed ? ` · ${formatCount(failed)} failed` : ''}
          </Text>
        ) : null}
        {live.users && totals.total > 0 ? (
          <Text>
            {formatCount(totals.done)} of {formatCount(totals.total)} messages
            {totals.etaSecs !== null ? ` · ${formatTimeLeft(totals.etaSecs)}` : ''}
          </Text>
        ) : null}
        <span className={styles.metaEnd}>
          <ReportDownloadButton
            batch={batch}
            appearance="secondary"
            onDone={(result) =>
              'path' in result ? setSavedReport(result.path) : setProblem(result.problem)
            }
          />
        </span>
      </div>

      <CommandBar
        label="Migration actions"
        className={styles.toolbar}
        commands={[
          {
            id: 'stop',
            label: 'Stop migration',
            icon: <RecordStop20Regular />,
            disabled: !canStop || busy !== null,
            onClick: () => void run('stop', () => stopBatch(batch), 'The migration is stopped. Resume it whenever you like.'),
          },
          {
            id: 'start',
            label: notStarted ? 'Start migration' : 'Resume',
            icon: <Play20Regular />,
            disabled: !canResume || busy !== null,
            onClick: () => void run('start', () => startBatch(batch)),
          },
          {
            id: 'retry',
            label: 'Retry failed',
            icon: <ArrowClockwise20Regular />,
            disabled: failed === 0 || busy !== null,
            onClick: () => void run('retry', () => retryFailed(batch)),
          },
          {
            id: 'domains',
            group: 'finish',
            label: 'Switch domain',
            icon: <Globe20Regular />,
            onClick: () => navigate({ kind: 'domains', batch }),
          },
          {
            id: 'complete',
            group: 'finish',
            label: 'Close connection',
            icon: <PlugDisconnected20Regular />,
            disabled: !canComplete || busy !== null,
            onClick: () => void askComplete(),
          },
          {
            id: 'delete',
            group: 'finish',
            label: 'Delete batch',
            icon: <Delete20Regular />,
            disabled: busy !== null,
            onClick: () => setConfirm('delete'),
          },
        ]}
      />

      {busy === 'checking' ? <Spinner size="tiny" label="Checking your domains in DNS before closing the connection…" /> : null}
      {busy === 'complete' ? (
        <Spinner size="tiny" label="Closing the connection: a last sync of every synced mailbox, then Mailferry stops syncing them…" />
      ) : null}
      {savedReport ? <SavedReportBar path={savedReport} /> : null}
      {notice ? (
        <MessageBar intent={notice.intent}>
          <MessageBarBody>{notice.text}</MessageBarBody>
        </MessageBar>
      ) : null}
      {problem ? <ProblemBar problem={problem} /> : null}
      {live.problem ? (
        <ProblemBar problem={live.problem} actions={<Button onClick={live.refresh}>Try again</Button>} />
      ) : null}
      {live.users === null && !live.problem ? <Spinner size="small" label="Loading mailboxes…" /> : null}
      {firstCopyDone && live.users ? (
        <AfterSync
          users={live.users}
          microsoft365={live.summary?.destination.preset === 'microsoft365'}
          onSwitchDomain={() => navigate({ kind: 'domains', batch })}
        />
      ) : null}

      {live.users && count('Completed') < users.length ? (
        <AwaitingSignIns batch={batch} users={live.users} onRetried={afterAction} />
      ) : null}
      {live.users && count('Completed') > 0 ? <CompletedView key={count('Completed')} batch={batch} /> : null}
      {live.users && count('Completed') < users.length ? (
        <DomainStrip batch={batch} running={live.running} onOpen={() => navigate({ kind: 'domains', batch })} />
      ) : null}

      {live.users ? (
        <div className={styles.tableWrap}>
          <Table className={styles.table} aria-label={`Mailboxes in ${batch}`} size="small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell className={styles.colExpand} aria-label="Details" />
                <TableHeaderCell className={styles.colMailbox}>Mailbox</TableHeaderCell>
                <TableHeaderCell className={styles.colStatus}>Status</TableHeaderCell>
                <TableHeaderCell>Progress</TableHeaderCell>
                <TableHeaderCell className={styles.colLast}>Last synced</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {users.map((user) => {
                const open = expanded.has(user.email_address);
                const detailsId = `details-${user.email_address}`;
                return (
                  <Fragment key={user.email_address}>
                    <StatusUserRow
                      user={user}
                      progress={live.progress.get(user.email_address)}
                      tested={tested.get(user.email_address)}
                      kept={live.kept.get(user.email_address)}
                      expanded={open}
                      detailsId={detailsId}
                      onToggle={onToggle}
                    />
                    {open ? (
                      <TableRow>
                        <TableCell colSpan={5} className={styles.detailsCell}>
                          <UserDetails
                            batch={batch}
                            user={user}
                            id={detailsId}
                            passwordWord={passwordWord}
                            onRetried={afterAction}
                          />
                        </TableCell>
                      </TableRow>
                    ) : null}
                  </Fragment>
                );
              })}
            </TableBody>
          </Table>
        </div>
      ) : null}

      <ConfirmDialog
        open={confirm === 'complete'}
        title="Close the connection?"
        confirmLabel="Close connection"
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          setConfirm(null);
          complete();
        }}
      >
        Mailferry copies any new mail one last time, then stops syncing the synced mailboxes for good. Do this once
        your domain's MX records point to the new mailboxes. Nothing is deleted from the old mailboxes.
      </ConfirmDialog>
      <CompleteWarningDialog
        open={confirm === 'unsafe'}
        check={unsafe.check}
        problem={unsafe.problem}
        onNotYet={() => setConfirm(null)}
        onCompleteAnyway={() => {
          setConfirm(null);
          complete();
        }}
      />
      <ConfirmDialog
        open={confirm === 'delete'}
        title={`Delete "${batch}"?`}
        confirmLabel="Delete batch"
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          setConfirm(null);
          setBusy('delete');
          deleteBatch(batch)
            .then(() => {
              forgetTested(batch);
              navigate({ kind: 'home' });
            })
            .catch((e) => {
              setProblem(toProblem(e));
              setBusy(null);
            });
        }}
      >
        The batch, its history and reports, and the passwords stored for it are removed from this computer. Email
        already copied stays in the destination mailboxes, and the old mailboxes are not touched.
      </ConfirmDialog>
    </Page>
  );
}
