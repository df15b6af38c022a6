import {
  Link,
  makeStyles,
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
import { formatDateTime } from '../format';
import { describeServer } from '../servers';
import { BatchStatusBadge } from './StatusBadge';

const useStyles = makeStyles({
  row: { cursor: 'pointer' },
  muted: { color: tokens.colorNeutralForeground3 },
  // The table shares its width equally unless told: the badge, the count and the download
  // button get what they need, names and dates the rest (the button no longer spills out).
  status: { width: '100px' },
  synced: { width: '72px' },
  report: { width: '124px' },
});

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
    <Table aria-label={caption} size="medium">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>Name</TableHeaderCell>
          <TableHeaderCell>Source</TableHeaderCell>
          <TableHeaderCell className={styles.status}>Status</TableHeaderCell>
          <TableHeaderCell className={styles.synced}>Synced</TableHeaderCell>
          <TableHeaderCell>Last synced</TableHeaderCell>
          {showCreated ? <TableHeaderCell>Created</TableHeaderCell> : null}
          {actions ? <TableHeaderCell className={styles.report}>Report</TableHeaderCell> : null}
        </TableRow>
      </TableHeader>
      <TableBody>
        {batches.map((b) => (
          <TableRow key={b.name} className={styles.row} onClick={() => onOpen(b.name)}>
            <TableCell>
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
            <TableCell>{describeServer(b.source, presets)}</TableCell>
            <TableCell>
              <BatchStatusBadge status={b.status} />
            </TableCell>
            <TableCell>
              {b.users_synced} of {b.users_total}
            </TableCell>
            <TableCell className={b.last_synced_at ? undefined : styles.muted}>
              {b.last_synced_at ? formatDateTime(b.last_synced_at) : 'Not yet'}
            </TableCell>
            {showCreated ? <TableCell>{formatDateTime(b.created_at)}</TableCell> : null}
            {actions ? <TableCell onClick={(e) => e.stopPropagation()}>{actions(b)}</TableCell> : null}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
