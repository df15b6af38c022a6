import { makeStyles, MessageBar, MessageBarBody, MessageBarTitle, tokens } from '@fluentui/react-components';
import type { TrustChoice } from '../backend';
import { formatBytes, formatCount } from '../format';
import type { Security } from '../servers';
import type { TestState } from '../wizard/wizardState';
import { ProblemBar } from './ProblemBar';
import { CertificatePanel } from './trust/CertificatePanel';
import { SecuritySwitch } from './trust/SecuritySwitch';

interface Props {
  test: TestState;
  /** Where a refused certificate can be trusted: stores the choice and tests again. */
  onTrust?: (choice: TrustChoice) => Promise<void>;
  /** Where the server's security is chosen: switches it and tests again. */
  onSwitchSecurity?: (security: Security) => void;
}

const useStyles = makeStyles({
  // The problem, then what fixes it, each a separate box: they must not touch.
  stack: { display: 'flex', flexDirection: 'column', alignItems: 'stretch', gap: tokens.spacingVerticalS },
});

/** What "Test connection" found: folders, messages and size, or the problem and its fix. */
export function ConnectionResult({ test, onTrust, onSwitchSecurity }: Props) {
  const styles = useStyles();
  if (test.state === 'ok') {
    const s = test.summary;
    return (
      <MessageBar intent="success" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>Connected</MessageBarTitle>
          {summaryText(s)}
        </MessageBarBody>
      </MessageBar>
    );
  }
  if (test.state === 'error')
    return (
      <div className={styles.stack}>
        <ProblemBar problem={test.problem} />
        {onTrust ? <CertificatePanel problem={test.problem} onTrust={onTrust} /> : null}
        {onSwitchSecurity ? <SecuritySwitch problem={test.problem} onSwitch={onSwitchSecurity} /> : null}
      </div>
    );
  return null;
}

export function summaryText(s: { folders: number; messages: number; bytes: number; too_large: number }): string {
  const parts = [
    `${formatCount(s.folders)} ${s.folders === 1 ? 'folder' : 'folders'}`,
    `${formatCount(s.messages)} ${s.messages === 1 ? 'message' : 'messages'}`,
    formatBytes(s.bytes),
  ];
  let text = parts.join(' · ');
  if (s.too_large > 0)
    text += ` · ${formatCount(s.too_large)} too large to copy`;
  return text;
}
