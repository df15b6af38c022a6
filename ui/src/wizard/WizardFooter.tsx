import { Button, makeStyles, Spinner, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    paddingTop: tokens.spacingVerticalL,
    paddingBottom: tokens.spacingVerticalL,
    marginTop: 'auto',
    borderTop: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
    // Pinned to the bottom of the page's scrolling area: on a small screen a long page must
    // not hide Back and Next below the fold.
    position: 'sticky',
    bottom: 0,
    zIndex: 1,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  note: { marginLeft: tokens.spacingHorizontalM, color: tokens.colorNeutralForeground3 },
});

interface Props {
  onBack?: () => void;
  onNext: () => void;
  nextLabel?: string;
  nextDisabled?: boolean;
  busy?: boolean;
  busyLabel?: string;
  note?: ReactNode;
}

/** Back / Next along the bottom of every wizard page, as in the admin center. */
export function WizardFooter({ onBack, onNext, nextLabel = 'Next', nextDisabled, busy, busyLabel, note }: Props) {
  const styles = useStyles();
  return (
    <div className={styles.root}>
      {onBack ? (
        <Button onClick={onBack} disabled={busy}>
          Back
        </Button>
      ) : null}
      <Button appearance="primary" onClick={onNext} disabled={nextDisabled || busy}>
        {nextLabel}
      </Button>
      {busy ? <Spinner size="tiny" label={busyLabel} /> : null}
      {note ? <span className={styles.note}>{note}</span> : null}
    </div>
  );
}
