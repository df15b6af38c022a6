import { useDemo } from '../app/demo';
import { DemoBanner } from '../components/DemoBanner';
import { Button, Card, CardHeader, makeStyles, Spinner, Text, tokens } from '@fluentui/react-components';
import { MailArrowForwardRegular } from '@fluentui/react-icons';
import { useEffect, useState } from 'react';
import { listBatches, onBatchProgress, toProblem, type AppError, type BatchSummary } from '../backend';
import { useNavigate } from '../app/navigation';
import { BatchTable } from '../components/BatchTable';
import { Page } from '../components/Page';
import { ProblemBar } from '../components/ProblemBar';

const useStyles = makeStyles({
  card: { maxWidth: '560px' },
  cardIcon: { color: tokens.colorBrandForeground1, fontSize: '32px' },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  h2: { margin: 0, fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold },
  empty: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalXL,
    maxWidth: '720px',
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
});

/** Migrations → Email: the "Migrate your email" card and the batches already created. */
export function HomeScreen() {
  const styles = useStyles();
  const navigate = useNavigate();
  const [batches, setBatches] = useState<BatchSummary[] | null>(null);
  const [problem, setProblem] = useState<AppError | null>(null);

  useEffect(() => {
    let alive = true;
    let pending: ReturnType<typeof setTimeout> | null = null;
    const load = () =>
      listBatches()
        .then((list) => alive && setBatches([...list].sort((a, b) => b.created_at - a.created_at)))
        .catch((e) => alive && setProblem(toProblem(e)));
    void load();
    // Statuses and counts change while batches run: reload at most once a second as progress
    // arrives, rather than once per event.
    const unsubscribe = onBatchProgress(() => {
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        void load();
      }, 1000);
    });
    return () => {
      alive = false;
      unsubscribe();
      if (pending) clearTimeout(pending);
    };
  }, []);

  const demo = useDemo();
  // The banner's promise ("everything is filled in") holds only while the demo's batch does
  // not exist yet: after that the wizard starts empty.
  const demoFills = demo !== null && batches !== null && !batches.some((b) => b.name.toLowerCase() === demo.batch_name.toLowerCase());

  const start = () => navigate({ kind: 'wizard', existingNames: (batches ?? []).map((b) => b.name) });

  return (
    <Page title="Migrations" description="Move your organization's email into Microsoft 365.">
      {demoFills && demo ? <DemoBanner demo={demo} /> : null}
      <Card className={styles.card} aria-labelledby="migrate-email-title">
        <CardHeader
          image={<MailArrowForwardRegular className={styles.cardIcon} aria-hidden />}
          header={
            <Text weight="semibold" size={500} id="migrate-email-title" as="h2">
              Migrate your email
            </Text>
          }
        />
        <Text>
          Copy every mailbox's folders and messages from Gmail, Outlook.com, Hotmail, Yahoo, iCloud, AOL or another IMAP server into
          the new mailboxes, and keep them in sync until you switch over.
        </Text>
        <div>
          <Button appearance="primary" onClick={start} disabled={batches === null && problem === null}>
            Get started
          </Button>
        </div>
      </Card>

      <section className={styles.section} aria-labelledby="batches-title">
        <h2 className={styles.h2} id="batches-title">
          Migration batches
        </h2>
        {problem ? <ProblemBar problem={problem} /> : null}
        {batches === null && !problem ? <Spinner size="small" label="Loading migration batches…" /> : null}
        {batches && batches.length === 0 ? <EmptyState /> : null}
        {batches && batches.length > 0 ? (
          <BatchTable
            batches={batches}
            caption="Migration batches"
            onOpen={(name) => navigate({ kind: 'status', batch: name })}
          />
        ) : null}
      </section>
    </Page>
  );
}

function EmptyState() {
  const styles = useStyles();
  return (
    <div className={styles.empty}>
      <Text weight="semibold">No migrations yet</Text>
      <Text>Mailferry moves your business's email into Microsoft 365 over IMAP:</Text>
      <ul className={styles.list}>
        <li>it copies every folder and message, with their read flags and dates, from the old provider;</li>
        <li>it keeps copying new mail until you close the connection, so nothing is lost while you switch;</li>
        <li>it never deletes anything from the old mailboxes.</li>
      </ul>
      <Text>Choose Get started to pick your old provider and the mailboxes to move.</Text>
    </div>
  );
}
