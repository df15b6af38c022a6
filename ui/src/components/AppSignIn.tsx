import { Button, Field, makeStyles, Radio, RadioGroup, Spinner, Text, tokens } from '@fluentui/react-components';
import { CheckmarkCircle16Filled, Certificate20Regular, DocumentKey20Regular } from '@fluentui/react-icons';
import { useState } from 'react';
import { chooseCertificateFile, signInApp, toProblem, type AppError, type SignedIn } from '../backend';
import { PasswordField } from './PasswordField';
import { ProblemBar } from './ProblemBar';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  row: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  file: { fontFamily: tokens.fontFamilyMonospace, wordBreak: 'break-all' },
  signedIn: { display: 'inline-flex', alignItems: 'center', gap: tokens.spacingHorizontalXS, color: tokens.colorPaletteGreenForeground1 },
});

type Credential = 'secret' | 'certificate';

interface Props {
  tenant: string;
  clientId: string;
  signedIn: SignedIn | null;
  onChange: (signedIn: SignedIn | null) => void;
}

/**
 * The app registration signs in as itself, with a client secret or a certificate (Microsoft's
 * recommendation). A certificate is chosen as files; the backend reads them and keeps the
 * private key in the keyring, so the key never passes through the window.
 */
export function AppSignIn({ tenant, clientId, signedIn, onChange }: Props) {
  const styles = useStyles();
  const [credential, setCredential] = useState<Credential>('secret');
  const [certificatePath, setCertificatePath] = useState<string | null>(null);
  const [keyPath, setKeyPath] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<AppError | null>(null);
  const missingClient = !clientId.trim();

  if (signedIn && credential === 'certificate') {
    return (
      <div className={styles.row}>
        <Text className={styles.signedIn} role="status">
          <CheckmarkCircle16Filled aria-hidden />
          The app is signed in to {signedIn.account} with its certificate
        </Text>
        <Button size="small" appearance="subtle" aria-label="Use another certificate" onClick={() => onChange(null)}>
          Change
        </Button>
      </div>
    );
  }

  const signInWithCertificate = async () => {
    if (!certificatePath) return;
    setBusy(true);
    setProblem(null);
    try {
      onChange(
        await signInApp(tenant, clientId, { kind: 'certificate', certificatePath, privateKeyPath: keyPath }),
      );
    } catch (e) {
      setProblem(toProblem(e));
    } finally {
      setBusy(false);
    }
  };

  const choose = async (what: 'certificate' | 'key') => {
    const path = await chooseCertificateFile(what);
    if (!path) return;
    setProblem(null);
    if (what === 'certificate') setCertificatePath(path);
    else setKeyPath(path);
  };

  return (
    <div className={styles.root}>
      <RadioGroup
        aria-label="How the app proves who it is"
        layout="horizontal"
        value={credential}
        onChange={(_, d) => {
          setCredential(d.value as Credential);
          setProblem(null);
          onChange(null);
        }}
      >
        <Radio value="secret" label="A client secret" />
        <Radio value="certificate" label="A certificate" />
      </RadioGroup>
      {credential === 'secret' ? (
        <PasswordField
          label="Client secret"
          stored={signedIn !== null}
          storedText={`The app is signed in to ${signedIn?.account ?? tenant}`}
          disabled={missingClient}
          disabledReason="Enter the application (client) ID first."
          hint="The secret's Value from Certificates & secrets. Mailferry checks it with Microsoft and keeps it in this computer's password store."
          onStore={async (secret) => {
            onChange(await signInApp(tenant, clientId, { kind: 'secret', secret }));
          }}
          onChangeRequested={() => onChange(null)}
        />
      ) : (
        <>
          <Field
            label="Certificate file"
            hint="The certificate you uploaded under Certificates & secrets → Certificates, as PEM (.pem, .crt). A file that also holds the private key is fine."
          >
            <div className={styles.row}>
              <Button icon={<Certificate20Regular />} disabled={busy} onClick={() => void choose('certificate')}>
                Choose certificate…
              </Button>
              {certificatePath ? <Text className={styles.file}>{certificatePath}</Text> : null}
            </div>
          </Field>
          <Field
            label="Private key file"
            hint="Only when the key is in a file of its own (.key, .pem, without a password). Mailferry keeps the key in this computer's password store; you may delete the file afterwards."
          >
            <div className={styles.row}>
              <Button icon={<DocumentKey20Regular />} disabled={busy} onClick={() => void choose('key')}>
                Choose private key…
              </Button>
              {keyPath ? <Text className={styles.file}>{keyPath}</Text> : null}
            </div>
          </Field>
          <div className={styles.row}>
            <Button
              appearance="primary"
              disabled={busy || missingClient || !certificatePath}
              onClick={() => void signInWithCertificate()}
            >
              Sign in with the certificate
            </Button>
            {busy ? <Spinner size="tiny" label="Checking the certificate with Microsoft…" /> : null}
            {missingClient ? <Text size={200}>Enter the application (client) ID first.</Text> : null}
          </div>
          {problem ? (
            <div role="alert">
              <ProblemBar problem={problem} />
            </div>
          ) : null}
        </>
      )}
    </div>
  );
}
