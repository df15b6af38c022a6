import { makeStyles, Text, tokens } from '@fluentui/react-components';
import { useCallback, useEffect, useState } from 'react';
import { batchSignIns, retryUser, toProblem, type AppError, type BatchUser, type MailboxSignIn } from '../../backend';
import { ProblemBar } from '../ProblemBar';
import { MailboxSignInAction } from './MailboxSignInAction';
import { shadedPanel } from '../panel';

const useStyles = makeStyles({
  // Shaded like the other panels, with a warning's edge: these mailboxes wait for someone.
  root: {
    ...shadedPanel,
    gap: tokens.spacingVerticalS,
    borderLeft: `${tokens.strokeWidthThicker} solid ${tokens.colorPaletteMarigoldBorderActive}`,
  },
  h2: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  list: { margin: 0, padding: 0, listStyle: 'none', display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  mailbox: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, overflowWrap: 'anywhere' },
});

interface Props {
  batch: string;
  users: BatchUser[];
  /** After a sign-in, when its mailbox was tried again. */
  onRetried: () => void;
}

/**
 * The people of a batch who have not signed in yet: their mailboxes cannot be copied until
 * they do. Each signs in right here (or, with Microsoft, with a code on their own device).
 */
export function AwaitingSignIns({ batch, users, onRetried }: Props) {
  const styles = useStyles();
  const [awaited, setAwaited] = useState<MailboxSignIn[]>([]);
  const [problem, setProblem] = useState<AppError | null>(null);
  // Asked again when a mailbox fails or is retried: its sign-in may have been made elsewhere.
  const failed = users.filter((u) => u.status === 'Failed').length;

  const load = useCallback(async () => {
    try {
      const all = await batchSignIns(batch);
      setAwaited(all.filter((s) => s.own && !s.signed_in));
      setProblem(null);
    } catch (e) {
      setProblem(toProblem(e));
    }
  }, [batch]);

  useEffect(() => {
    void load();
  }, [load, failed]);

  const signedIn = async (email: string) => {
    const user = users.find((u) => u.email_address === email);
    try {
      // Waiting for its sign-in, the mailbox failed; now it can be copied.
      if (user?.status === 'Failed') {
        await retryUser(batch, email);
        onRetried();
      }
    } catch (e) {
      setProblem(toProblem(e));
    }
    await load();
  };

  if (problem) return <ProblemBar problem={problem} />;
  if (awaited.length === 0) return null;
  const mailboxes = [...new Set(awaited.map((s) => s.email_address))];
  return (
    <section className={styles.root} aria-labelledby="awaiting-sign-ins-title">
      <h2 id="awaiting-sign-ins-title" className={styles.h2}>
        {mailboxes.length === 1 ? '1 person has not signed in yet' : `${mailboxes.length} people have not signed in yet`}
      </h2>
      <Text>
        Their mail is copied once they sign in. Each of them signs in here; with a Microsoft account they can also
        choose “Use another device” and finish on their own phone or computer.
      </Text>
      <ul className={styles.list}>
        {mailboxes.map((email) => (
          <li key={email} className={styles.mailbox} aria-label={email}>
            <Text weight="semibold">{email}</Text>
            {awaited
              .filter((s) => s.email_address === email)
              .map((s) => (
                <MailboxSignInAction key={`${s.side}:${s.account}`} signIn={s} onSignedIn={() => void signedIn(email)} />
              ))}
          </li>
        ))}
      </ul>
    </section>
  );
}
