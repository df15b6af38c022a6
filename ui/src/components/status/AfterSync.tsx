import { Button, makeStyles, Text, tokens } from '@fluentui/react-components';
import { ArrowRight16Regular } from '@fluentui/react-icons';
import type { BatchUser } from '../../backend';
import { formatBytes, formatCount } from '../../format';
import { shadedPanel } from '../panel';

const useStyles = makeStyles({
  root: shadedPanel,
  h2: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  h3: { margin: 0, fontSize: tokens.fontSizeBase300, fontWeight: tokens.fontWeightSemibold },
  moved: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(140px, 1fr))',
    gap: tokens.spacingHorizontalM,
    margin: 0,
  },
  // Reversed so the figure reads above its label; flex-end is the top then, which keeps the
  // figures on one line when a label wraps.
  pair: { display: 'flex', flexDirection: 'column-reverse', justifyContent: 'flex-end' },
  figure: { margin: 0, fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold },
  label: { color: tokens.colorNeutralForeground2 },
  steps: { margin: 0, paddingLeft: tokens.spacingHorizontalXL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  stepAction: { marginTop: tokens.spacingVerticalXS },
});

interface Props {
  users: BatchUser[];
  /** The mail goes to Microsoft 365 (Outlook is then the app to set up). */
  microsoft365: boolean;
  /** Opens the domain switch: the records to set, checked live in DNS. */
  onSwitchDomain: () => void;
}

/** Once every mailbox has its first copy: what moved, and what the owner does next. */
export function AfterSync({ users, microsoft365, onSwitchDomain }: Props) {
  const styles = useStyles();
  const synced = users.filter((u) => u.status === 'Synced' || u.status === 'Completed');
  const messages = synced.reduce((sum, u) => sum + u.messages_done, 0);
  const bytes = synced.reduce((sum, u) => sum + u.bytes_copied, 0);
  const skipped = synced.reduce((sum, u) => sum + u.skipped, 0);
  const notSynced = users.length - synced.length;
  return (
    <section className={styles.root} aria-labelledby="after-sync-title">
      <h2 id="after-sync-title" className={styles.h2}>
        The mail is in the new mailboxes
      </h2>
      <dl className={styles.moved} aria-label="What moved">
        <Figure label={synced.length === 1 ? 'mailbox synced' : 'mailboxes synced'} value={formatCount(synced.length)} />
        <Figure label="messages" value={formatCount(messages)} />
        <Figure label="copied" value={formatBytes(bytes)} />
        <Figure label={skipped === 1 ? 'message skipped (see details)' : 'messages skipped (see details)'} value={formatCount(skipped)} />
        {notSynced > 0 ? <Figure label="not synced yet (see below)" value={formatCount(notSynced)} /> : null}
      </dl>
      <Text>
        Mailferry keeps copying new mail into them on the schedule you chose until you close the connection, so nothing
        that arrives in the meantime is lost.
      </Text>
      <h3 className={styles.h3}>Next steps</h3>
      <ol className={styles.steps}>
        <li>
          <section aria-labelledby="switch-domain-title">
            <Text weight="semibold" id="switch-domain-title">
              Switch your domain
            </Text>
            <br />
            <Text>
              Change your domain's MX record at your DNS host (where you bought the domain) so new mail is delivered to{' '}
              {microsoft365 ? 'Microsoft 365' : 'the new server'}. Lower the record's time to live to an hour a day
              before, and keep this migration running while the change spreads.
            </Text>
            <div className={styles.stepAction}>
              <Button size="small" icon={<ArrowRight16Regular />} iconPosition="after" onClick={onSwitchDomain}>
                Show what to change
              </Button>
            </div>
          </section>
        </li>
        <li>
          <Text weight="semibold">Set up Outlook and phones</Text>
          <br />
          <Text>
            {microsoft365
              ? 'Each person adds their Microsoft 365 account in Outlook on their computer and in the Outlook app (or the phone\'s Mail app) on their phone, or reads mail at outlook.office.com. Remove the old account from the phone once the domain is switched.'
              : 'Each person adds their new account in their email app on the computer and on the phone. Remove the old account once the domain is switched.'}
          </Text>
        </li>
        <li>
          <Text weight="semibold">Close the connection</Text>
          <br />
          <Text>
            When every domain has been switched for 72 hours, so nothing comes to the old mailboxes any more, choose Close
            connection above: Mailferry copies one last time and stops. The old mailboxes are not touched.
          </Text>
        </li>
      </ol>
    </section>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  const styles = useStyles();
  return (
    // The figure reads first, the label under it; the markup keeps term before value.
    <div className={styles.pair}>
      <dt className={styles.label}>{label}</dt>
      <dd className={styles.figure}>{value}</dd>
    </div>
  );
}
