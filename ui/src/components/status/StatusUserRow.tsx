import {
  Button,
  makeStyles,
  mergeClasses,
  ProgressBar,
  TableCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { ChevronDown20Regular, ChevronRight20Regular } from '@fluentui/react-icons';
import { memo } from 'react';
import type { BatchUser, UserProgress } from '../../backend';
import { formatBytes, formatCount, formatDay, formatFullDateTime, formatRate, formatShortDateTime, formatTimeLeft, formatWhen } from '../../format';
import { wordProblem } from '../../problemWords';
import { UserStatusBadge } from '../StatusBadge';
import { rowView, type Kept, type Tested } from './rowView';

const useStyles = makeStyles({
  top: { verticalAlign: 'top', paddingTop: tokens.spacingVerticalS, paddingBottom: tokens.spacingVerticalS },
  who: { display: 'flex', flexDirection: 'column', minWidth: 0 },
  ellipsis: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  sub: { color: tokens.colorNeutralForeground3 },
  status: { display: 'flex', flexDirection: 'column', alignItems: 'flex-start', gap: '2px' },
  detail: { color: tokens.colorNeutralForeground2 },
  // A long problem would make the row five lines tall in a narrow window: two lines here,
  // the whole sentence in the tooltip and in the details.
  clamp: { display: '-webkit-box', WebkitLineClamp: 2, WebkitBoxOrient: 'vertical', overflow: 'hidden' },
  progress: { display: 'flex', flexDirection: 'column', gap: '4px' },
  date: { whiteSpace: 'nowrap' },
});

interface Props {
  user: BatchUser;
  progress: UserProgress | undefined;
  tested: Tested | undefined;
  kept: Kept | undefined;
  expanded: boolean;
  detailsId: string;
  onToggle: (email: string) => void;
}

/**
 * One mailbox on the status page. Memoized on its stored row and its live progress entry,
 * which keep their identity until they change: a progress event repaints only the rows it moved.
 */
export const StatusUserRow = memo(function StatusUserRow({ user, progress, tested, kept, expanded, detailsId, onToggle }: Props) {
  const styles = useStyles();
  const v = rowView(user, progress, tested, kept);
  const failedLine = user.error ? wordProblem(user.error).title : v.detail ?? 'See the details.';
  const ratio = v.total > 0 ? Math.min(1, v.done / v.total) : v.status === 'Synced' || v.status === 'Completed' ? 1 : 0;
  const progressText =
    v.total > 0 ? `${formatCount(v.done)} of ${formatCount(v.total)} messages` : v.bytes > 0 ? '' : 'Not started';
  const speed = [
    v.bytes > 0 ? formatBytes(v.bytes) : null,
    v.rate !== null && v.rate > 0 ? formatRate(v.rate) : null,
    v.etaSecs != null ? formatTimeLeft(v.etaSecs) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <TableRow>
      <TableCell className={styles.top}>
        <Button
          appearance="subtle"
          size="small"
          icon={expanded ? <ChevronDown20Regular /> : <ChevronRight20Regular />}
          aria-expanded={expanded}
          aria-controls={expanded ? detailsId : undefined}
          aria-label={`Details for ${user.email_address}`}
          onClick={() => onToggle(user.email_address)}
        />
      </TableCell>
      <TableCell className={styles.top}>
        <div className={styles.who}>
          <Text className={styles.ellipsis} title={user.email_address}>
            {user.email_address}
          </Text>
          {user.user_name !== user.email_address ? (
            <Text size={200} className={mergeClasses(styles.sub, styles.ellipsis)} title={user.user_name}>
              from {user.user_name}
            </Text>
          ) : null}
        </div>
      </TableCell>
      <TableCell className={styles.top}>
        <div className={styles.status}>
          <UserStatusBadge status={v.status} />
          {v.status === 'Waiting' ? (
            <Text size={200} className={styles.detail}>
              {/* The stored problem says why in words; the live detail is the engine's text. */}
              {user.error && user.status === 'Waiting' ? wordProblem(user.error).title : waitingReason(v.detail)}
              {v.resumeAt ? ` · resumes at ${formatWhen(v.resumeAt)}` : ''}
            </Text>
          ) : v.status === 'Failed' ? (
            <Text size={200} className={mergeClasses(styles.detail, styles.clamp)} title={failedLine}>
              {failedLine}
            </Text>
          ) : v.detail ? (
            <Text size={200} className={styles.detail}>
              {v.detail}
            </Text>
          ) : null}
        </div>
      </TableCell>
      <TableCell className={styles.top}>
        <div className={styles.progress}>
          <ProgressBar
            value={ratio}
            max={1}
            thickness="large"
            color={v.status === 'Failed' ? 'error' : v.status === 'Waiting' ? 'warning' : ratio >= 1 ? 'success' : 'brand'}
            aria-label={`Progress for ${user.email_address}`}
            aria-valuetext={[progressText, speed].filter(Boolean).join(', ')}
          />
          {progressText ? <Text size={200}>{progressText}</Text> : null}
          {speed ? (
            <Text size={200} className={styles.detail}>
              {speed}
            </Text>
          ) : null}
          {v.copiedBackTo ? (
            <Text size={200} className={styles.detail} title="Newest mail is copied first: every message received on or after this day is in the new mailbox (messages skipped as too large are listed in the details).">
              Copied back to {formatDay(v.copiedBackTo)}
            </Text>
          ) : null}
        </div>
      </TableCell>
      <TableCell className={styles.top}>
        {user.last_synced_at ? (
          <span className={styles.date} title={formatFullDateTime(user.last_synced_at)}>
            {formatShortDateTime(user.last_synced_at)}
          </span>
        ) : (
          'Not yet'
        )}
      </TableCell>
    </TableRow>
  );
});

/**
 * The engine's reason for waiting ends with the retry time in UTC, for its logs; the window
 * shows that time once, in the owner's own time zone, from `resume_at`.
 */
export function waitingReason(detail: string | null): string {
  if (!detail) return 'Waiting';
  return detail.replace(/\s*[—-]\s*trying again at \d{1,2}:\d{2}(:\d{2})?\s*UTC\s*$/i, '') || 'Waiting';
}

