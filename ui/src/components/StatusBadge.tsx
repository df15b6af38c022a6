import { Badge, makeStyles, shorthands, tokens, type BadgeProps } from '@fluentui/react-components';
import { memo } from 'react';
import type { BatchStatus, UserStatus } from '../backend';

type Look = { label: string; color: BadgeProps['color']; appearance: BadgeProps['appearance']; neutral?: boolean };

/**
 * Stopped is neither good nor bad news: a neutral badge in the page's own text colours.
 * Fluent's "subtle" badge is meant for coloured surfaces and is white on a white page, so
 * these theme tokens are named here (and checked for contrast in every theme by the tests).
 */
export const NEUTRAL_BADGE = {
  foreground: 'colorNeutralForeground1',
  background: 'colorNeutralBackground3',
  border: 'colorNeutralStroke1',
} as const;

const useStyles = makeStyles({
  neutral: {
    color: tokens[NEUTRAL_BADGE.foreground],
    backgroundColor: tokens[NEUTRAL_BADGE.background],
    ...shorthands.borderColor(tokens[NEUTRAL_BADGE.border]),
  },
});

// Microsoft's status words; the colours follow the admin center (green done, red failed).
const USER: Record<UserStatus, Look> = {
  Queued: { label: 'Queued', color: 'informative', appearance: 'tint' },
  Starting: { label: 'Starting', color: 'brand', appearance: 'tint' },
  Syncing: { label: 'Syncing', color: 'brand', appearance: 'tint' },
  Synced: { label: 'Synced', color: 'success', appearance: 'tint' },
  IncrementalSyncing: { label: 'Syncing new mail', color: 'brand', appearance: 'tint' },
  Waiting: { label: 'Waiting', color: 'warning', appearance: 'tint' },
  Stopped: { label: 'Stopped', color: 'informative', appearance: 'outline', neutral: true },
  Failed: { label: 'Failed', color: 'danger', appearance: 'tint' },
  Completed: { label: 'Completed', color: 'success', appearance: 'filled' },
};

const BATCH: Record<BatchStatus, Look> = {
  Created: { label: 'Created', color: 'informative', appearance: 'tint' },
  Syncing: { label: 'Syncing', color: 'brand', appearance: 'tint' },
  Synced: { label: 'Synced', color: 'success', appearance: 'tint' },
  SyncedWithErrors: { label: 'Synced with errors', color: 'warning', appearance: 'tint' },
  Stopped: { label: 'Stopped', color: 'informative', appearance: 'outline', neutral: true },
  Completed: { label: 'Completed', color: 'success', appearance: 'filled' },
  Failed: { label: 'Failed', color: 'danger', appearance: 'tint' },
};

export function userStatusLabel(status: UserStatus): string {
  return USER[status].label;
}

/** Every look a badge can take, for the tests. */
export const BADGE_LOOKS: Look[] = [...Object.values(USER), ...Object.values(BATCH)];

function LookBadge({ look }: { look: Look }) {
  const styles = useStyles();
  return (
    <Badge color={look.color} appearance={look.appearance} shape="rounded" className={look.neutral ? styles.neutral : undefined}>
      {look.label}
    </Badge>
  );
}

export const UserStatusBadge = memo(function UserStatusBadge({ status }: { status: UserStatus }) {
  return <LookBadge look={USER[status]} />;
});

export const BatchStatusBadge = memo(function BatchStatusBadge({ status }: { status: BatchStatus }) {
  return <LookBadge look={BATCH[status]} />;
});
