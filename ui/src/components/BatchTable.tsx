import {
  Link,
  makeStyles,
  mergeClasses,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  tokens,
} from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { BatchSummary } from '../backend';
import { usePresets } from '../app/presets';
import { formatFullDateTime, formatShortDateTime } from '../format';
import { describeServer } from '../servers';
import { BatchStatusBadge } from './StatusBadge';

const useStyles = makeStyles({
  // The browser sizes the columns from their contents (Fluent's tables share the width
  // equally): the dates, the badge and the download button get what they need on one line,
  // and the name and source wrap in what is left.
  table: { tableLayout: 'auto' },
  row: { cursor: 'pointer' },
  muted: { color: tokens.colorNeutralForeground3 },
  // A long host name or batch name breaks anywhere rather than widening the table past the window.
  wraps: { overflowWrap: 'anywhere' },
  // Dates stay on one line ("7 Dec, 14:05", or "9 Oct 2025" from another year), the whole
  // date and time in the tooltip.
  date: { whiteSpace: 'nowrap' },
  status: { width: '100px' },
  synced: { width: '72px' },
  report: { width: '124px' },
});

/** One date cell: short on screen, whole in its tooltip. */
function DateCell({ epochSeconds, className }: { epochSeconds: number; className: string }) {
  return (
    <TableCell className={className} title={formatFullDateTime(epochSeconds)}>
      {formatShortDateTime(epochSeconds)}
    </TableCell>
  );
}

interface Props {
  batches: BatchSummary[];
  caption: string;
  onOpen: (name: string) => void;
  /** Extra cell per batch (history: download its report). */
  actions?: (batch: BatchSummary) => ReactNode;
  showCreated?: boolean;
}

/** The migration dashboard: one row per batch, opened by its name (or anywhere on the row). */
export function BatchTable({ batches, caption, onOpen, actions, showCreated }: Props) {
  const styles = useStyles();
  const presets = usePresets();
  return (
    <Table aria-label={caption} size="medium" className={styles.table}>
      <TableHeader>
        <TableRow>
          <TableHeaderCell>Name</TableHeaderCell>
          <TableHeaderCell>Source</TableHeaderCell>
          <TableHeaderCell className={styles.status}>Status</TableHeaderCell>
          <TableHeaderCell className={styles.synced}>Synced</TableHeaderCell>
          <TableHeaderCell className={styles.date}>Last synced</TableHeaderCell>
          {showCreated ? <TableHeaderCell className={styles.date}>Created</TableHeaderCell> : null}
          {actions ? <TableHeaderCell className={styles.report}>Report</TableHeaderCell> : null}
        </TableRow>
      </TableHeader>
      <TableBody>
        {batches.map((b) => (
          <TableRow key={b.name} className={styles.row} onClick={() => onOpen(b.name)}>
            <TableCell className={styles.wraps}>
              <Link
                onClick={(e) => {
                  // The row opens the batch too; one open is enough.
                  e.stopPropagation();
                  onOpen(b.name);
                }}
              >
                {b.name}
              </Link>
            </TableCell>
            <TableCell className={styles.wraps}>{describeServer(b.source, presets)}</TableCell>
            <TableCell>
              <BatchStatusBadge status={b.status} />
            </TableCell>
            <TableCell>
              {b.users_synced} of {b.users_total}
            </TableCell>
            {b.last_synced_at ? (
              <DateCell epochSeconds={b.last_synced_at} className={styles.date} />
            ) : (
              <TableCell className={mergeClasses(styles.date, styles.muted)}>Not yet</TableCell>
            )}
            {showCreated ? <DateCell epochSeconds={b.created_at} className={styles.date} /> : null}
            {actions ? <TableCell onClick={(e) => e.stopPropagation()}>{actions(b)}</TableCell> : null}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
