import { makeStyles, Text, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import type { MailboxSignIn, SignedIn } from '../../backend';
import { ClientIdField } from '../ClientIdField';
import { SignInButton } from '../SignInButton';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, maxWidth: '560px' },
  problem: { color: tokens.colorPaletteRedForeground1 },
});

/** "Sign in to the old mailbox as anna@gmail.com", or "Sign in again …" when one was made. */
export function signInLabel(signIn: MailboxSignIn): string {
  const place =
    signIn.side === 'source'
      ? 'the old mailbox'
      : signIn.provider === 'microsoft'
        ? 'Microsoft 365'
        : 'the new mailbox';
  return `${signIn.signed_in ? 'Sign in again' : 'Sign in'} to ${place} as ${signIn.account}`;
}

interface Props {
  signIn: MailboxSignIn;
  /** Called once the person signed in as the account this mailbox needs. */
  onSignedIn: () => void;
}

/**
 * One sign-in a mailbox of a batch needs, made right where it is asked for. When nobody on
 * this computer has signed in with that provider yet, the app registration's ID is asked
 * for first.
 */
export function MailboxSignInAction({ signIn, onSignedIn }: Props) {
  const styles = useStyles();
  const [clientId, setClientId] = useState('');
  const [wrongAccount, setWrongAccount] = useState<string | null>(null);
  const request = signIn.request;
  const onChange = (signedIn: SignedIn | null) => {
    if (!signedIn) return;
    // The token is kept under whoever signed in; another account does not help this mailbox.
    if (signedIn.account.toLowerCase() !== signIn.account.toLowerCase()) {
      setWrongAccount(signedIn.account);
      return;
    }
    setWrongAccount(null);
    onSignedIn();
  };
  return (
    <div className={styles.root}>
      <Text size={200}>{signInLabel(signIn)}:</Text>
      {request ? null : <ClientIdField provider={signIn.provider} value={clientId} onChange={setClientId} />}
      <SignInButton
        provider={signIn.provider}
        clientId={request?.client_id ?? clientId}
        tenant={request?.tenant ?? undefined}
        loginHint={signIn.account}
        who={signIn.account}
        signedIn={null}
        size="small"
        onChange={onChange}
      />
      {wrongAccount ? (
        <Text size={200} className={styles.problem} role="alert">
          You signed in as {wrongAccount}, but this mailbox needs {signIn.account}. Sign in again as{' '}
          {signIn.account}.
        </Text>
      ) : null}
    </div>
  );
}
