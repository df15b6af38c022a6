import { Button, makeStyles, Text, tokens } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import {
  batchSignIns,
  retryFailed,
  retryUser,
  storePassword,
  toProblem,
  trustForBatch,
  type AppError,
  type BatchUser,
  type MailboxSignIn,
  type Problem,
} from '../../backend';
import { PasswordField } from '../PasswordField';
import { ProblemBar } from '../ProblemBar';
import { CertificatePanel } from '../trust/CertificatePanel';
import { MailboxSignInAction } from './MailboxSignInAction';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, maxWidth: '520px' },
});

interface Props {
  batch: string;
  user: BatchUser;
  problem: Problem;
  /** "app password" or "password", as the source provider calls it. */
  passwordWord: string;
  onRetried: () => void;
}

/**
 * What the owner can do about a mailbox's error, right where it is shown. A rejected password
 * is fixed by typing a new one (stored, then the failed mailboxes are retried); other failures
 * get a retry once their hint has been followed.
 */
export function FixAction({ batch, user, problem, passwordWord, onRetried }: Props) {
  const styles = useStyles();
  const [failure, setFailure] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const failed = user.status === 'Failed';
  const authentication = problem.kind === 'authentication';
  // A mailbox that signs in with Microsoft/Google is fixed by signing in again, not a password.
  const [signIns, setSignIns] = useState<MailboxSignIn[] | null>(null);
  useEffect(() => {
    if (!authentication) return;
    let alive = true;
    batchSignIns(batch, user.email_address)
      .then((list) => alive && setSignIns(list))
      .catch(() => alive && setSignIns([]));
    return () => {
      alive = false;
    };
  }, [authentication, batch, user.email_address]);

  /** After its own fix (a new password, a new sign-in) only this mailbox is tried again. */
  const retryThis = async () => {
    setBusy(true);
    setFailure(null);
    try {
      await retryUser(batch, user.email_address);
      onRetried();
    } catch (e) {
      setFailure(toProblem(e));
    } finally {
      setBusy(false);
    }
  };

  const retry = async () => {
    setBusy(true);
    setFailure(null);
    try {
      await retryFailed(batch);
      onRetried();
    } catch (e) {
      setFailure(toProblem(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className={styles.root}>
      <ProblemBar problem={problem} />
      {failed && problem.facts?.certificate ? (
        <CertificatePanel
          problem={problem}
          onTrust={async (choice) => {
            // Stored with the batch first: the retried mailbox, and every later pass, use it.
            await trustForBatch(batch, choice);
            await retryThis();
          }}
        />
      ) : null}
      {authentication && signIns && signIns.length > 0
        ? signIns.map((signIn) => (
            <MailboxSignInAction
              key={`${signIn.side}:${signIn.account}`}
              signIn={signIn}
              onSignedIn={() => void retryThis()}
            />
          ))
        : null}
      {authentication && signIns && signIns.length === 0 ? (
        <PasswordField
          label={`Enter a new ${passwordWord}`}
          stored={false}
          hint="It is stored, then Mailferry tries this mailbox again."
          onStore={async (password) => {
            await storePassword(batch, user.email_address, password);
            await retryThis();
          }}
        />
      ) : null}
      {!authentication && failed ? (
        <div>
          <Button onClick={() => void retry()} disabled={busy}>
            {busy ? 'Retrying…' : 'Retry failed mailboxes'}
          </Button>
        </div>
      ) : null}
      {problem.kind === 'network' || problem.kind === 'throttled' ? (
        <Text size={200}>Mailferry tries again by itself after a pause.</Text>
      ) : null}
      {failure ? <ProblemBar problem={failure} /> : null}
    </div>
  );
}
