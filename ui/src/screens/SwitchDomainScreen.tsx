import { Button, makeStyles, MessageBar, MessageBarBody, Spinner, Text, tokens } from '@fluentui/react-components';
import { ArrowLeft20Regular, ArrowSync20Regular } from '@fluentui/react-icons';
import { useNavigate } from '../app/navigation';
import { DomainCard } from '../components/domains/DomainCard';
import { MICROSOFT_DOMAINS_URL } from '../components/domains/domainView';
import { useDomainCheck } from '../components/domains/useDomainCheck';
import { ExternalLink } from '../components/ExternalLink';
import { Page } from '../components/Page';
import { ProblemBar } from '../components/ProblemBar';
import { formatWhen } from '../format';

const useStyles = makeStyles({
  back: { alignSelf: 'flex-start', marginLeft: `calc(-1 * ${tokens.spacingHorizontalS})` },
  bar: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalM },
  checked: { color: tokens.colorNeutralForeground2 },
  link: { marginLeft: 'auto' },
  domains: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL },
});

/**
 * "Switch your domain": for each of a batch's domains, the records to set at the DNS host with
 * their exact values, whether DNS shows them yet (checked every minute while the page is
 * shown), and the 72-hour wait before the batch can be completed without losing mail.
 */
export function SwitchDomainScreen({ batch }: { batch: string }) {
  const styles = useStyles();
  const navigate = useNavigate();
  const { result, problem, checking, checkedAt, now, checkNow } = useDomainCheck(batch);

  return (
    <Page
      title="Switch your domain"
      description={
        <>
          At your DNS host (where you bought the domain), set these records so that new mail is delivered to Microsoft
          365. Mailferry keeps copying from the old mailboxes meanwhile, and looks at DNS again every minute.
        </>
      }
      before={
        <Button
          className={styles.back}
          appearance="subtle"
          size="small"
          icon={<ArrowLeft20Regular />}
          onClick={() => navigate({ kind: 'status', batch })}
        >
          Migration status
        </Button>
      }
    >
      <div className={styles.bar}>
        <Button icon={<ArrowSync20Regular />} disabled={checking} onClick={checkNow}>
          Check now
        </Button>
        {checking ? (
          <Spinner size="tiny" label="Looking at DNS…" />
        ) : checkedAt !== null ? (
          <Text className={styles.checked}>Last checked {formatWhen(checkedAt / 1000, now)}</Text>
        ) : null}
        <span className={styles.link}>
          <ExternalLink url={MICROSOFT_DOMAINS_URL}>Domain setup in the Microsoft 365 admin center</ExternalLink>
        </span>
      </div>

      {problem ? <ProblemBar problem={problem} actions={<Button onClick={checkNow}>Try again</Button>} /> : null}
      {result ? <Summary ready={result.ready} safe={result.safe_to_complete} none={result.domains.length === 0} /> : null}
      {result ? (
        <div className={styles.domains}>
          {result.domains.map((report) => (
            <DomainCard key={report.domain} report={report} now={now} />
          ))}
        </div>
      ) : null}
    </Page>
  );
}

function Summary({ ready, safe, none }: { ready: boolean; safe: boolean; none: boolean }) {
  if (none) {
    return (
      <MessageBar intent="info">
        <MessageBarBody>This batch has no mailboxes, so there is no domain to switch.</MessageBarBody>
      </MessageBar>
    );
  }
  if (ready && safe) {
    return (
      <MessageBar intent="success" layout="multiline">
        <MessageBarBody>
          Every domain is switched and 72 hours have passed: nothing is delivered to the old provider any more. Go back
          to the migration status and choose Close connection.
        </MessageBarBody>
      </MessageBar>
    );
  }
  if (ready) {
    return (
      <MessageBar intent="info" layout="multiline">
        <MessageBarBody>
          Every domain is switched. Keep the migration running until the wait below is over, so that mail some senders
          still deliver to the old provider is copied too.
        </MessageBarBody>
      </MessageBar>
    );
  }
  return null;
}
