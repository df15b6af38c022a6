import { Button, Field, Input, makeStyles, Spinner, Text, tokens } from '@fluentui/react-components';
import {
  CheckmarkCircle16Filled,
  Copy16Regular,
  DismissCircle16Filled,
  Open16Regular,
  QuestionCircle16Regular,
} from '@fluentui/react-icons';
import { useEffect, useState, type ReactNode } from 'react';
import {
  checkMicrosoftSetup,
  CLOUD_SHELL_URL,
  microsoftSetupScript,
  openExternal,
  toProblem,
  type AppError,
  type SetupCheck,
  type SetupItem,
  type SetupPath,
  type SetupReport,
  type SignedIn,
} from '../backend';
import { problemLine } from '../problemWords';
import { isClientId, isDomain } from '../clientId';
import { CopyValue } from './domains/CopyValue';
import { ExternalLink } from './ExternalLink';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  step: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  stepTitle: { margin: 0, fontSize: tokens.fontSizeBase300, fontWeight: tokens.fontWeightSemibold },
  script: {
    margin: 0,
    maxHeight: '14em',
    overflow: 'auto',
    padding: tokens.spacingHorizontalS,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground3,
    color: tokens.colorNeutralForeground1,
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
  },
  row: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  checks: { margin: 0, padding: 0, listStyle: 'none', display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  check: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  passed: { color: tokens.colorPaletteGreenForeground1 },
  failed: { color: tokens.colorPaletteRedForeground1 },
  notChecked: { color: tokens.colorNeutralForeground3 },
  problem: { color: tokens.colorPaletteRedForeground1 },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalXXL },
});

/** The tenant names that stand for "any organisation": not one the script can register in. */
const ANY_TENANT = ['organizations', 'common', 'consumers'];

/** What each piece of the setup is called, per path. */
export function checkTitle(item: SetupItem, path: SetupPath, mailbox: string): string {
  switch (item) {
    case 'app':
      return path === 'app' ? 'App registration and its secret' : 'App registration';
    case 'signIn':
      return 'Sign-in comes back to Mailferry';
    case 'consent':
      return path === 'personal' ? 'Permissions accepted' : 'Admin consent';
    case 'imapPermission':
      return 'IMAP permission';
    case 'mailboxAccess':
      return path === 'personal' ? `IMAP access to ${mailbox || 'the mailbox'}` : `Full Access to ${mailbox || 'a mailbox'}`;
  }
}

export const STATUS_WORDS: Record<SetupCheck['status'], string> = {
  passed: 'OK',
  failed: 'Missing',
  notChecked: 'Not checked',
};

function linkLabel(link: string): string {
  if (link.startsWith(CLOUD_SHELL_URL)) return 'Open Azure Cloud Shell';
  if (link.includes('/adminconsent')) return 'Grant admin consent';
  return 'Open the page';
}

interface Props {
  path: SetupPath;
  /** Work accounts: the organisation's domain (the tenant). */
  tenant: string;
  onTenant?: (tenant: string) => void;
  clientId: string;
  /** The Application (client) ID field, shown as the step the owner pastes into. */
  clientIdField: ReactNode;
  /** The mailbox the check opens over IMAP. */
  sampleMailbox: string;
  onSampleMailbox: (mailbox: string) => void;
  /** The admin expected to sign in. */
  loginHint?: string;
  /** App-only: the app's sign-in (made with its secret or certificate), which the check uses. */
  appSignIn?: SignedIn | null;
  /** Also read the organisation's user list after signing in. */
  withDirectory?: boolean;
  /** A check that passed signed in: the sign-in to use. */
  onConnected?: (signedIn: SignedIn) => void;
  /** Content between pasting the ID and the check (the app's secret). */
  beforeCheck?: ReactNode;
}

/**
 * "Connect Microsoft 365": a script for the owner's tenant to paste into Azure Cloud Shell,
 * the client ID it prints pasted back, then a check of every piece naming the fix for what
 * is missing. Outlook.com and Hotmail get the personal-account variant.
 */
export function ConnectMicrosoft365({
  path,
  tenant,
  onTenant,
  clientId,
  clientIdField,
  sampleMailbox,
  onSampleMailbox,
  loginHint,
  appSignIn,
  withDirectory = false,
  onConnected,
  beforeCheck,
}: Props) {
  const styles = useStyles();
  const personal = path === 'personal';
  const domain = tenant.trim();
  const domainOk = personal || isDomain(domain);
  const [script, setScript] = useState<string | null>(null);
  const [scriptProblem, setScriptProblem] = useState<AppError | null>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const [checking, setChecking] = useState(false);
  const [report, setReport] = useState<SetupReport | null>(null);
  const [checkProblem, setCheckProblem] = useState<AppError | null>(null);

  useEffect(() => {
    let current = true;
    setCopy('idle');
    if (!domainOk) {
      setScript(null);
      return;
    }
    microsoftSetupScript({ path, tenant: personal ? '' : domain, admin: null, mailboxes: [] })
      .then((text) => {
        if (current) {
          setScript(text);
          setScriptProblem(null);
        }
      })
      .catch((e) => {
        if (current) {
          setScript(null);
          setScriptProblem(toProblem(e));
        }
      });
    return () => {
      current = false;
    };
  }, [path, personal, domain, domainOk]);

  const copyScript = () => {
    if (!script) return;
    const clipboard = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    (clipboard ? clipboard.writeText(script) : Promise.reject(new Error('no clipboard')))
      .then(() => setCopy('copied'))
      .catch(() => setCopy('failed'));
  };

  const idOk = isClientId(clientId);
  const needsAppSignIn = path === 'app' && !appSignIn;
  const canCheck = idOk && domainOk && !checking && !needsAppSignIn;

  const check = async () => {
    setChecking(true);
    setCheckProblem(null);
    setReport(null);
    try {
      const result = await checkMicrosoftSetup({
        path,
        client_id: clientId.trim(),
        tenant: personal ? null : domain,
        login_hint: loginHint?.trim() || null,
        sample_mailbox: sampleMailbox.trim() || null,
        sign_in: appSignIn?.name ?? null,
        with_directory: withDirectory,
      });
      setReport(result);
      const ready = result.checks.every((c) => c.status !== 'failed');
      if (ready && result.signed_in) onConnected?.(result.signed_in);
    } catch (e) {
      setCheckProblem(toProblem(e));
    } finally {
      setChecking(false);
    }
  };

  const ready = report !== null && report.checks.every((c) => c.status !== 'failed');

  return (
    <div className={styles.root}>
      <div className={styles.step}>
        <h3 className={styles.stepTitle}>1. Create Mailferry's app registration</h3>
        {personal ? (
          <Text>
            Outlook.com and Hotmail mailboxes sign in through an app registration for personal Microsoft accounts. If you
            have an Azure account, run this script in Azure Cloud Shell (choose PowerShell). Otherwise sign in at
            entra.microsoft.com with your Microsoft account and register it by hand:
          </Text>
        ) : (
          <>
            <Field
              label="Tenant: your organisation's domain"
              hint="As the Microsoft 365 admin center lists it under Settings → Domains, for example contoso.com."
              validationMessage={domain && !domainOk && !ANY_TENANT.includes(domain) ? 'Enter a domain such as contoso.com.' : undefined}
            >
              {/* Until a domain is typed the sign-in asks for any organisation: that keyword is
                  the app's, not something the owner typed, so the field shows empty. */}
              <Input
                value={ANY_TENANT.includes(domain) ? '' : tenant}
                placeholder="contoso.com"
                spellCheck={false}
                onChange={(_, d) => onTenant?.(d.value.trim() === '' ? ANY_TENANT[0] : d.value)}
              />
            </Field>
            <Text>
              Open Azure Cloud Shell signed in as a Global Administrator of your organisation, choose PowerShell, paste
              this script and press Enter. It registers Mailferry, grants consent for your organisation and prints the
              Application (client) ID.
            </Text>
          </>
        )}
        {personal ? (
          <ol className={styles.list}>
            <li>App registrations → New registration, name Mailferry.</li>
            <li>Supported account types: Personal Microsoft accounts (or any organisation and personal accounts).</li>
            <li>Redirect URI: Public client/native (mobile &amp; desktop), http://localhost → Register.</li>
            <li>Authentication → Allow public client flows → Yes → Save.</li>
            <li>API permissions → Add a permission → APIs my organization uses → Office 365 Exchange Online → Delegated → IMAP.AccessAsUser.All.</li>
          </ol>
        ) : null}
        {script ? (
          <>
            <pre className={styles.script} aria-label="Setup script" tabIndex={0}>
              {script}
            </pre>
            <div className={styles.row}>
              <Button icon={<Copy16Regular />} onClick={copyScript}>
                {copy === 'copied' ? 'Copied' : 'Copy script'}
              </Button>
              <Button icon={<Open16Regular />} onClick={() => void openExternal(CLOUD_SHELL_URL).catch(() => undefined)}>
                Open Azure Cloud Shell
              </Button>
              <span role="status" aria-live="polite">
                {copy === 'copied' ? 'The script is on the clipboard.' : copy === 'failed' ? 'Could not copy: select the script and copy it by hand.' : ''}
              </span>
            </div>
          </>
        ) : !personal && !domainOk ? (
          <Text size={200}>Enter your domain to get the script.</Text>
        ) : null}
        {scriptProblem ? (
          <Text size={200} className={styles.problem} role="alert">
            {problemLine(scriptProblem)}
          </Text>
        ) : null}
      </div>

      <div className={styles.step}>
        <h3 className={styles.stepTitle}>2. Paste the Application (client) ID</h3>
        {clientIdField}
      </div>

      {beforeCheck}

      <div className={styles.step}>
        <h3 className={styles.stepTitle}>3. Check the setup</h3>
        <Field
          label={personal ? 'Mailbox to test' : 'Mailbox to test Full Access on'}
          hint={personal ? 'The Outlook.com or Hotmail address you sign in with.' : 'One of the Microsoft 365 mailboxes the mail goes into.'}
        >
          <Input value={sampleMailbox} type="email" spellCheck={false} onChange={(_, d) => onSampleMailbox(d.value)} />
        </Field>
        <div className={styles.row}>
          <Button appearance="primary" disabled={!canCheck} onClick={() => void check()}>
            {path === 'app' ? 'Check the setup' : 'Check and sign in'}
          </Button>
          {checking ? (
            <Spinner size="tiny" label={path === 'app' ? 'Checking…' : 'Finish signing in in your browser…'} />
          ) : null}
          {needsAppSignIn ? <Text size={200}>Sign the app in first, with its secret or certificate.</Text> : null}
        </div>
        {checkProblem ? (
          <Text size={200} className={styles.problem} role="alert">
            {problemLine(checkProblem)}
          </Text>
        ) : null}
        {report ? (
          <>
            <ul className={styles.checks} aria-label="Setup check">
              {report.checks.map((c) => (
                <CheckRow key={c.item} check={c} title={checkTitle(c.item, path, sampleMailbox.trim())} />
              ))}
            </ul>
            <Text role="status" weight="semibold" className={ready ? styles.passed : styles.failed}>
              {ready
                ? report.signed_in
                  ? `Microsoft 365 is connected. Signed in as ${report.signed_in.account}.`
                  : 'Everything that could be checked is in place.'
                : 'Fix what is missing, then check again.'}
            </Text>
          </>
        ) : null}
      </div>
    </div>
  );
}

function CheckRow({ check, title }: { check: SetupCheck; title: string }) {
  const styles = useStyles();
  const icon =
    check.status === 'passed' ? (
      <CheckmarkCircle16Filled className={styles.passed} aria-hidden />
    ) : check.status === 'failed' ? (
      <DismissCircle16Filled className={styles.failed} aria-hidden />
    ) : (
      <QuestionCircle16Regular className={styles.notChecked} aria-hidden />
    );
  return (
    <li className={styles.check} aria-label={`${title}: ${STATUS_WORDS[check.status]}`}>
      <Text>
        {icon} <strong>{title}</strong>: {STATUS_WORDS[check.status]}
      </Text>
      {check.problem ? <Text size={200}>{check.problem}</Text> : null}
      {check.fix ? <Text size={200}>{check.fix}</Text> : null}
      {check.command ? <CopyValue value={check.command} label={`command that fixes ${title}`} /> : null}
      {check.link ? <ExternalLink url={check.link}>{linkLabel(check.link)}</ExternalLink> : null}
    </li>
  );
}
