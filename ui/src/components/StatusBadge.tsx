import { Badge, type BadgeProps } from '@fluentui/react-components';
import { memo } from 'react';
import type { BatchStatus, UserStatus } from '../backend';

type Look = { label: string; color: BadgeProps['color']; appearance: BadgeProps['appearance'] };

// Microsoft's status words; the colours follow the admin center (green done, red failed).
const USER: Record<UserStatus, Look> = {
  Queued: { label: 'Queued', color: 'informative', appearance: 'tint' },
  Starting: { label: 'Starting', color: 'brand', appearance: 'tint' },
  Syncing: { label: 'Syncing', color: 'brand', appearance: 'tint' },
  Synced: { label: 'Synced', color: 'success', appearance: 'tint' },
  IncrementalSyncing: { label: 'Syncing new mail', color: 'brand', appearance: 'tint' },
  Waiting: { label: 'Waiting', color: 'warning', appearance: 'tint' },
  Stopped: { label: 'Stopped', color: 'subtle', appearance: 'outline' },
  Failed: { label: 'Failed', color: 'danger', appearance: 'tint' },
  Completed: { label: 'Completed', color: 'success', appearance: 'filled' },
};

const BATCH: Record<BatchStatus, Look> = {
  Created: { label: 'Created', color: 'informative', appearance: 'tint' },
  Syncing: { label: 'Syncing', color: 'brand', appearance: 'tint' },
  Synced: { label: 'Synced', color: 'success', appearance: 'tint' },
  SyncedWithErrors: { label: 'Synced with errors', color: 'warning', appearance: 'tint' },
  Stopped: { label: 'Stopped', color: 'subtle', appearance: 'outline' },
  Completed: { label: 'Completed', color: 'success', appearance: 'filled' },
  Failed: { label: 'Failed', color: 'danger', appearance: 'tint' },
};

export function userStatusLabel(status: UserStatus): string {
  return USER[status].label;
}

export const UserStatusBadge = memo(function UserStatusBadge({ status }: { status: UserStatus }) {
  const look = USER[status];
  return (
    <Badge color={look.color} appearance={look.appearance} shape="rounded">
      {look.label}
    </Badge>
  );
});

export const BatchStatusBadge = memo(function BatchStatusBadge({ status }: { status: BatchStatus }) {
  const look = BATCH[status];
  return (
    <Badge color={look.color} appearance={look.appearance} shape="rounded">
      {look.label}
    </Badge>
  );
});
