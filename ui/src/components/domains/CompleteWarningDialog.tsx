import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import type { AppError, DomainSwitch } from '../../backend';
import { wordProblem } from '../../problemWords';
import { completionHeadline, completionReasons } from './domainView';

const useStyles = makeStyles({
  content: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  para: { margin: 0 },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalXL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
});

interface Props {
  open: boolean;
  /** The domains as DNS showed them just now; null when they could not be checked at all. */
  check: DomainSwitch | null;
  problem: AppError | null;
  onCompleteAnyway: () => void;
  onNotYet: () => void;
}

/**
 * Completing ends the copying from the old provider, so before every domain has been switched
 * for 72 hours it would lose what is still delivered there: say so, and make waiting the default.
 */
export function CompleteWarningDialog({ open, check, problem, onCompleteAnyway, onNotYet }: Props) {
  const styles = useStyles();
  const reasons = check ? completionReasons(check, Date.now()) : [];
  return (
    <Dialog open={open} modalType="alert" onOpenChange={(_, data) => (!data.open ? onNotYet() : undefined)}>
      <DialogSurface>
        <DialogBody>
          <DialogTitle>Mail could still be lost</DialogTitle>
          <DialogContent className={styles.content}>
            <p className={styles.para}>{completionHeadline(check)}</p>
            {problem ? (
              <p className={styles.para}>
                Mailferry could not check your domains in DNS: {wordProblem(problem).title}
              </p>
            ) : null}
            {reasons.length > 0 ? (
              <ul className={styles.list} aria-label="Why">
                {reasons.map((reason) => (
                  <li key={reason}>{reason}</li>
                ))}
              </ul>
            ) : null}
            <p className={styles.para}>
              Until every domain has been switched for 72 hours, keep the migration running: Mailferry keeps copying what
              still arrives at the old mailboxes.
            </p>
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" onClick={onNotYet}>
              Not yet
            </Button>
            <Button appearance="secondary" onClick={onCompleteAnyway}>
              Complete anyway
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
