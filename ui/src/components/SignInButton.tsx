import { problemLine } from '../problemWords';
import { Button, makeStyles, Spinner, Text, tokens } from '@fluentui/react-components';
import { CheckmarkCircle16Filled, PersonArrowRight20Regular } from '@fluentui/react-icons';
import { useRef, useState } from 'react';
import {
  finishDeviceSignIn,
  signIn,
  startDeviceSignIn,
  toProblem,
  type AppError,
  type DeviceSignIn,
  type ProviderKind,
  type SignedIn,
  type SignInRequest,
} from '../backend';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  row: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  signedIn: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalXS, color: tokens.colorPaletteGreenForeground1 },
  problem: { color: tokens.colorPaletteRedForeground1 },
  code: { fontFamily: tokens.fontFamilyMonospace, fontWeight: tokens.fontWeightSemibold, letterSpacing: '0.1em' },
});

export const PROVIDER_NAMES: Record<ProviderKind, string> = { microsoft: 'Microsoft', google: 'Google' };

interface Props {
  provider: ProviderKind;
  clientId: string;
  /** Microsoft: organizations, consumers, common or a tenant. */
  tenant?: string;
  loginHint?: string;
  /** Also ask to read the organisation's users (Microsoft Graph). */
  withDirectory?: boolean;
  signedIn: SignedIn | null;
  onChange: (signedIn: SignedIn | null) => void;
  /** Whose sign-in this is, for screen readers ("for anna@contoso.com"). */
  who?: string;
  size?: 'small' | 'medium';
}

/**
 * "Sign in with Microsoft/Google": the browser opens on the provider's page and the button
 * waits for it. Only who signed in comes back; the tokens stay in the Rust backend.
 */
export function SignInButton({ provider, clientId, tenant, loginHint, withDirectory = false, signedIn, onChange, who, size = 'medium' }: Props) {
  const styles = useStyles();
  const [waiting, setWaiting] = useState(false);
  const [problem, setProblem] = useState<AppError | null>(null);
  const [device, setDevice] = useState<DeviceSignIn | null>(null);
  // Cancelling only stops waiting here; a late answer from the browser is then ignored.
  const attempt = useRef(0);
  const name = PROVIDER_NAMES[provider];
  const suffix = who ? ` for ${who}` : '';

  const request = (): SignInRequest => ({
    provider,
    client_id: clientId.trim(),
    tenant: tenant?.trim() || null,
    login_hint: loginHint?.trim() || null,
    with_directory: withDirectory,
  });

  /** Runs one sign-in attempt; a cancelled attempt's late answer is dropped. */
  const attemptWith = async (run: (isCurrent: () => boolean) => Promise<SignedIn>) => {
    const mine = ++attempt.current;
    const isCurrent = () => mine === attempt.current;
    setWaiting(true);
    setProblem(null);
    try {
      const result = await run(isCurrent);
      if (isCurrent()) onChange(result);
    } catch (e) {
      if (isCurrent()) setProblem(toProblem(e));
    } finally {
      if (isCurrent()) {
        setWaiting(false);
        setDevice(null);
      }
    }
  };

  const start = () => attemptWith(() => signIn(request()));

  // When this computer's browser cannot be used: a code to enter on any other device.
  const startOnAnotherDevice = () =>
    attemptWith(async (isCurrent) => {
      const shown = await startDeviceSignIn(request());
      if (isCurrent()) setDevice(shown);
      return finishDeviceSignIn(shown.id);
    });

  if (signedIn) {
    return (
      <div className={styles.row}>
        <Text className={styles.signedIn} role="status">
          <CheckmarkCircle16Filled aria-hidden />
          Signed in as {signedIn.account}
        </Text>
        <Button size="small" appearance="subtle" aria-label={`Use another account${suffix}`} onClick={() => onChange(null)}>
          Change
        </Button>
      </div>
    );
  }

  const missingClient = !clientId.trim();
  return (
    <div className={styles.root}>
      <div className={styles.row}>
        <Button
          size={size}
          icon={<PersonArrowRight20Regular />}
          disabled={waiting || missingClient}
          aria-label={`Sign in with ${name}${suffix}`}
          onClick={() => void start()}
        >
          Sign in with {name}
        </Button>
        {/* Google's device sign-in cannot grant Gmail access, so only Microsoft offers it. */}
        {!waiting && !missingClient && provider === 'microsoft' ? (
          <Button
            size="small"
            appearance="subtle"
            aria-label={`Sign in on another device${suffix}`}
            onClick={() => void startOnAnotherDevice()}
          >
            Use another device
          </Button>
        ) : null}
        {waiting ? (
          <>
            <Spinner size="tiny" label={device ? 'Waiting for the code…' : 'Finish signing in in your browser…'} />
            <Button
              size="small"
              appearance="subtle"
              onClick={() => {
                attempt.current += 1;
                setWaiting(false);
                setDevice(null);
              }}
            >
              Cancel
            </Button>
          </>
        ) : null}
      </div>
      {device ? (
        <Text size={200} role="status">
          On a phone or another computer, open <strong>{device.verification_uri}</strong> and enter the code{' '}
          <span className={styles.code}>{device.user_code}</span>.
        </Text>
      ) : null}
      {missingClient && !waiting ? (
        <Text size={200}>Enter the application (client) ID first.</Text>
      ) : null}
      {problem ? (
        <Text size={200} className={styles.problem} role="alert">
          {problemLine(problem)}
        </Text>
      ) : null}
    </div>
  );
}
