import {
  Button,
  makeStyles,
  mergeClasses,
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
import { memo, useCallback, useEffect, useState } from 'react';
import { toProblem, userReport, type AppError, type BatchUser, type FolderReport, type MessageIssue, type MigrationReport } from '../../backend';
import { formatBytes, formatCount, formatDay, formatDuration } from '../../format';
import { sameProblem, wordProblem } from '../../problemWords';
import { ProblemBar } from '../ProblemBar';
import { FixAction } from './FixAction';
import { shadedPanel } from '../panel';

const useStyles = makeStyles({
  root: shadedPanel,
  h3: { margin: 0, fontSize: tokens.fontSizeBase300, fontWeight: tokens.fontWeightSemibold },
  num: { textAlign: 'right' },
  numHeader: { justifyContent: 'flex-end' },
  colFolder: { width: '16%' },
  colSubject: { width: '26%' },
  colDate: { width: '12%' },
  colSize: { width: '9%' },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
  muted: { color: tokens.colorNeutralForeground3 },
});

// A mailbox can have tens of thousands of skipped items; the downloaded report has them all.
const ITEM_LIMIT = 100;

interface Props {
  batch: string;
  user: BatchUser;
  id: string;
  passwordWord: string;
  onRetried: () => void;
}

/**
 * A mailbox's last run, from the database: each folder, what was skipped or failed and why.
 * Memoized so progress events for other mailboxes do not repaint a long report.
 */
export const UserDetails = memo(function UserDetails({ batch, user, id, passwordWord, onRetried }: Props) {
  const styles = useStyles();
  const [report, setReport] = useState<MigrationReport | null | undefined>(undefined);
  const [problem, setProblem] = useState<AppError | null>(null);

  const load = useCallback(() => {
    setProblem(null);
    userReport(batch, user.email_address)
      .then(setReport)
      .catch((e) => setProblem(toProblem(e)));
  }, [batch, user.email_address]);

  // Re-read when the mailbox finishes a pass (its stored row changes then).
  useEffect(load, [load, user.last_synced_at, user.status]);

  return (
    <div className={styles.root} id={id} role="region" aria-label={`Details for ${user.email_address}`}>
      {user.error ? <FixAction batch={batch} user={user} problem={user.error} passwordWord={passwordWord} onRetried={onRetried} /> : null}
      {problem ? <ProblemBar problem={problem} actions={<Button onClick={load}>Try again</Button>} /> : null}
      {user.messages_in_source > 0 || user.messages_done > 0 ? (
        <Text>
          In all so far: {formatCount(user.messages_done)} of {formatCount(user.messages_in_source)} messages are in the new
          mailbox ({formatBytes(user.bytes_copied)} copied)
          {user.skipped ? `, ${formatCount(user.skipped)} skipped` : ''}
          {user.failed ? `, ${formatCount(user.failed)} could not be copied` : ''}.
        </Text>
      ) : null}
      {user.copied_back_to ? (
        <Text>
          Newest mail is copied first: every message received on or after {formatDay(user.copied_back_to)} is in the new
          mailbox{user.skipped > 0 ? ', apart from the messages listed as skipped' : ''}.
        </Text>
      ) : null}
      {report === undefined && !problem ? <Spinner size="tiny" label="Loading the report…" /> : null}
      {report === null ? <Text className={styles.muted}>No report yet: this mailbox has not finished a pass.</Text> : null}
      {report ? <ReportView report={report} shown={user.error} /> : null}
    </div>
  );
});

/** `shown`: the mailbox's error, already on screen above the report: said once, not again. */
function ReportView({ report, shown }: { report: MigrationReport; shown: AppError | null }) {
  const styles = useStyles();
  const t = report.totals;
  const skipped = report.folders.flatMap((f) => f.skipped_items.map((item) => ({ folder: f.source, item })));
  const failed = report.folders.flatMap((f) => f.failed_items.map((item) => ({ folder: f.source, item })));
  const reencoded = report.folders.flatMap((f) => (f.reencoded_items ?? []).map((item) => ({ folder: f.source, item })));
  const notKept = keywordsNotKept(report.folders);
  return (
    <>
      <Text>
        Last run: {formatCount(t.copied)} copied, {formatCount(t.already_present + t.previously_copied)} already there,{' '}
        {formatCount(t.skipped)} skipped, {formatCount(t.failed)} failed of {formatCount(t.messages_in_source)} messages (
        {formatBytes(t.bytes_copied)} in {formatDuration(report.duration_ms / 1000)}).
      </Text>
      {report.errors
        .filter((e, i) => !(shown && sameProblem(e, shown)) && report.errors.findIndex((o) => sameProblem(o, e)) === i)
        .map((e, i) => (
          <ProblemBar key={i} problem={e} />
        ))}
      <h3 className={styles.h3}>Folders</h3>
      <FolderTable folders={report.folders} shown={shown} />
      {report.folders_not_copied.length > 0 ? (
        <>
          <h3 className={styles.h3}>Folders not copied</h3>
          <ul className={styles.list}>
            {report.folders_not_copied.map((f) => (
              <li key={f.source}>
                {f.source}: {f.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {skipped.length > 0 ? <IssueTable title="Skipped messages" issues={skipped} /> : null}
      {failed.length > 0 ? <IssueTable title="Messages that could not be copied" issues={failed} /> : null}
      {reencoded.length > 0 ? <IssueTable title="Re-encoded messages" issues={reencoded} /> : null}
      {notKept.length > 0 ? (
        <>
          <h3 className={styles.h3}>Keywords not kept</h3>
          <ul className={styles.list}>
            {notKept.map(([keyword, count]) => (
              <li key={keyword}>
                {keyword}: on {formatCount(count)} {count === 1 ? 'message' : 'messages'}, not given to the new server
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

/** Each keyword the destination did not get, with how many messages carried it, over all folders. */
function keywordsNotKept(folders: FolderReport[]): [string, number][] {
  const totals = new Map<string, number>();
  for (const f of folders) {
    // The engine leaves the field out when nothing was left out, whatever the type says.
    for (const [keyword, count] of Object.entries(f.keywords_not_kept ?? {})) {
      totals.set(keyword, (totals.get(keyword) ?? 0) + (count ?? 0));
    }
  }
  return [...totals.entries()].filter(([, count]) => count > 0).sort(([a], [b]) => a.localeCompare(b));
}

function FolderTable({ folders, shown }: { folders: FolderReport[]; shown: AppError | null }) {
  const styles = useStyles();
  return (
    <Table size="extra-small" aria-label="Folders">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>Folder</TableHeaderCell>
          <TableHeaderCell>Copied to</TableHeaderCell>
          <TableHeaderCell className={styles.num} button={{ className: styles.numHeader }}>In source</TableHeaderCell>
          <TableHeaderCell className={styles.num} button={{ className: styles.numHeader }}>Copied</TableHeaderCell>
          <TableHeaderCell className={styles.num} button={{ className: styles.numHeader }}>Already there</TableHeaderCell>
          <TableHeaderCell className={styles.num} button={{ className: styles.numHeader }}>Skipped</TableHeaderCell>
          <TableHeaderCell className={styles.num} button={{ className: styles.numHeader }}>Failed</TableHeaderCell>
        </TableRow>
      </TableHeader>
      <TableBody>
        {folders.map((f) => (
          <TableRow key={f.source}>
            <TableCell>{f.source}</TableCell>
            <TableCell>
              {f.destination}
              {f.renamed ? <Text size={200} className={styles.muted}> ({f.renamed})</Text> : null}
              {f.error ? (
                <Text size={200}> — {shown && sameProblem(f.error, shown) ? 'stopped by the problem above' : wordProblem(f.error).title}</Text>
              ) : null}
            </TableCell>
            <TableCell className={styles.num}>{formatCount(f.messages_in_source)}</TableCell>
            <TableCell className={styles.num}>{formatCount(f.copied)}</TableCell>
            <TableCell className={styles.num}>
              {formatCount(f.already_present + f.previously_copied + f.in_other_folders)}
            </TableCell>
            <TableCell className={styles.num}>{formatCount(f.skipped)}</TableCell>
            <TableCell className={styles.num}>{formatCount(f.failed)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function IssueTable({ title, issues }: { title: string; issues: { folder: string; item: MessageIssue }[] }) {
  const styles = useStyles();
  const shown = issues.slice(0, ITEM_LIMIT);
  return (
    <>
      <h3 className={styles.h3}>{title}</h3>
      <Table size="extra-small" aria-label={title}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell className={styles.colFolder}>Folder</TableHeaderCell>
            <TableHeaderCell className={styles.colSubject}>Subject</TableHeaderCell>
            <TableHeaderCell className={styles.colDate}>Date</TableHeaderCell>
            <TableHeaderCell className={mergeClasses(styles.num, styles.colSize)} button={{ className: styles.numHeader }}>
              Size
            </TableHeaderCell>
            <TableHeaderCell>Why</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {shown.map(({ folder, item }) => (
            <TableRow key={`${folder}/${item.uid}`}>
              <TableCell>{folder}</TableCell>
              <TableCell>{item.subject ?? '(no subject)'}</TableCell>
              <TableCell>{item.date ?? '—'}</TableCell>
              <TableCell className={styles.num}>{formatBytes(item.size)}</TableCell>
              <TableCell>{item.explanation}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {issues.length > ITEM_LIMIT ? (
        <Text size={200} className={styles.muted}>
          And {formatCount(issues.length - ITEM_LIMIT)} more: download the report to see them all.
        </Text>
      ) : null}
    </>
  );
}
