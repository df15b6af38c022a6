import { Button, makeStyles, Text, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { chooseCaFile, toProblem, type AppError, type CertificateFacts, type TrustChoice } from '../../backend';
import { ProblemBar } from '../ProblemBar';
import { groupedFingerprint, readableName, validityText } from './certificateView';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
    maxWidth: '560px',
    minWidth: 0,
  },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalM,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
  },
  term: { color: tokens.colorNeutralForeground2 },
  value: { margin: 0, overflowWrap: 'anywhere', minWidth: 0 },
  // Eight bytes a line (24 monospace characters with their colons), so the four lines are
  // even and easy to read out over the phone, instead of a ragged last line.
  fingerprint: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, maxWidth: '24ch' },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalS },
});

interface Props {
  /** The refusal, with the certificate and the server it came from among its facts. */
  problem: AppError;
  /** Stores the owner's choice (with the batch, or with the wizard's options) and tries again. */
  onTrust: (choice: TrustChoice) => Promise<void>;
}

/**
 * A refused certificate shown so the owner can check it with whoever runs the server, then
 * trust exactly it for that server, or the CA file of the authority that issued it.
 */
export function CertificatePanel({ problem, onTrust }: Props) {
  const styles = useStyles();
  const [busy, setBusy] = useState<'certificate' | 'ca_file' | null>(null);
  const [failure, setFailure] = useState<AppError | null>(null);
  const certificate: CertificateFacts | null | undefined = problem.facts?.certificate;
  const host = problem.facts?.host ?? null;
  if (!certificate) return null;

  const trust = async (kind: 'certificate' | 'ca_file') => {
    setFailure(null);
    setBusy(kind);
    try {
      if (kind === 'certificate') {
        if (host) await onTrust({ kind: 'certificate', host, sha256: certificate.fingerprint_sha256 });
      } else {
        const path = await chooseCaFile();
        if (path) await onTrust({ kind: 'ca_file', path });
      }
    } catch (e) {
      setFailure(toProblem(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className={styles.root} aria-label="The server's certificate">
      <Text weight="semibold">Check this certificate before you trust it</Text>
      <dl className={styles.facts}>
        <dt className={styles.term}>Server</dt>
        <dd className={styles.value}>{host ?? 'not named'}</dd>
        <dt className={styles.term}>Issued to</dt>
        <dd className={styles.value}>{readableName(certificate.subject)}</dd>
        <dt className={styles.term}>Issued by</dt>
        <dd className={styles.value}>{readableName(certificate.issuer)}</dd>
        <dt className={styles.term}>Valid</dt>
        <dd className={styles.value}>{validityText(certificate)}</dd>
        <dt className={styles.term}>Fingerprint (SHA-256)</dt>
        <dd className={`${styles.value} ${styles.fingerprint}`}>{groupedFingerprint(certificate.fingerprint_sha256)}</dd>
      </dl>
      <Text size={200}>
        Ask whoever runs this server whether this is their certificate's fingerprint, and trust it only if it is. A
        certificate authority of your own? Choose its CA file instead.
      </Text>
      <div className={styles.actions}>
        {host ? (
          <Button appearance="primary" disabled={busy !== null} onClick={() => void trust('certificate')}>
            {busy === 'certificate' ? 'Trusting…' : 'Trust this certificate for this server'}
          </Button>
        ) : null}
        <Button disabled={busy !== null} onClick={() => void trust('ca_file')}>
          {busy === 'ca_file' ? 'Checking the file…' : 'Choose a CA file…'}
        </Button>
      </div>
      {failure ? <ProblemBar problem={failure} /> : null}
    </section>
  );
}
